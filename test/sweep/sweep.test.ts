/**
 * The fleet sweep end to end against the sandbox, through the real Resource Graph and network SDK
 * clients: the acceptance fleet (bench/fleetScenario.ts) holds a load balancer with two backends
 * blocked by a subnet Deny All, a healthy one, one whose health the principal may not read, a Basic
 * one and one without a probe, over two subscriptions.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acceptanceFleet, lbIdOf, SUB_A, SUB_B } from '../../bench/fleetScenario';
import { createLocalHost } from '../../src/app/localRun';
import { createRemediation } from '../../src/app/remediation';
import { MemoryAuditSink } from '../../src/audit/memorySink';
import { main } from '../../src/cli/main';
import { runCli } from '../helpers/cli';
import { loadConfig } from '../../src/config';
import { startSandbox } from '../../src/sandbox/server';
import type { SweepReport } from '../../src/sweep/sweep';
import { instanceIdFor } from '../../src/triggers/instanceId';
import { handleSweepTimer } from '../../src/triggers/sweepTimer';
import { LocalDurableClient } from '../../src/workflow/host/localClient';

const DOWN = lbIdOf(SUB_A, 'rg-orders', 'lbi-orders-prod');
const HEALTHY = lbIdOf(SUB_A, 'rg-web', 'lb-web-prod');
const SECRET = lbIdOf(SUB_A, 'rg-secret', 'lb-web-prod');
const BASIC = lbIdOf(SUB_B, 'rg-legacy', 'lb-web-prod');
const NO_PROBE = lbIdOf(SUB_B, 'rg-batch', 'lb-web-prod');

const stateOf = (report: SweepReport) =>
  Object.fromEntries(report.loadBalancers.map((e) => [e.loadBalancerId, e.state]));

describe('probe-doctor sweep (CLI, sandbox)', () => {
  it('reads a load balancer whose run finds every down backend down by design as expected-down (AKS externalTrafficPolicy: Local)', async () => {
    // Prepare: the shipped scenario; the health answer says 2 of 3 nodes down, which only the run's
    // diagnosis can tell apart from a fault (kube-proxy's 503 with no local endpoint).
    const file = join(__dirname, '../../scenarios/aks-etp-local-no-endpoint.json');
    const scenario = JSON.parse(readFileSync(file, 'utf8')) as { expect: { loadBalancerId: string } };
    const sub = scenario.expect.loadBalancerId.split('/')[2]!;
    let out = '';

    // Act
    const code = await main(['node', 'probe-doctor', 'sweep', '--scope', sub, '--scenario', file, '--json'], {
      out: (t) => void (out += t),
      err: () => undefined,
    });

    // Assess
    const report = JSON.parse(out) as SweepReport;
    const entry = report.loadBalancers.find(
      (e) => e.loadBalancerId.toLowerCase() === scenario.expect.loadBalancerId.toLowerCase(),
    )!;
    expect(entry).toMatchObject({ state: 'expected-down', remediation: { verdict: 'healthy' } });
    expect(entry.reason).toMatch(/found every down backend down by design/);
    expect([report.totals.down, report.totals['expected-down']]).toEqual([0, 1]);
    expect(code).toBe(0);
  });

  it('lists every load balancer with its state and starts a remediation only where a backend is down', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'pd-sweep-'));
    const file = join(dir, 'fleet.json');
    writeFileSync(file, JSON.stringify(acceptanceFleet()));
    let out = '';
    let err = '';

    // Act
    const code = await main(
      ['node', 'probe-doctor', 'sweep', '--scope', SUB_A, SUB_B, '--scenario', file, '--json'],
      {
        out: (t) => void (out += t),
        err: (t) => void (err += t),
      },
    );

    // Assess
    expect(err).not.toMatch(/unexpected error/);
    const report = JSON.parse(out) as SweepReport;
    expect(stateOf(report)).toEqual({
      [DOWN]: 'down',
      [HEALTHY]: 'healthy',
      [SECRET]: 'cannot-read',
      [BASIC]: 'cannot-read',
      [NO_PROBE]: 'not-probed',
    });
    const down = report.loadBalancers.find((e) => e.loadBalancerId === DOWN)!;
    expect(down).toMatchObject({ down: 2, backends: 3, sources: ['rule-health'] });
    expect(down.remediation).toEqual({
      instanceId: instanceIdFor(DOWN),
      outcome: 'started',
      verdict: 'action-required',
    });
    expect(report.loadBalancers.filter((e) => e.remediation)).toHaveLength(1);
    expect(report.loadBalancers.find((e) => e.loadBalancerId === SECRET)!.reason).toMatch(/403/);
    expect(report.loadBalancers.find((e) => e.loadBalancerId === BASIC)!.reason).toMatch(/^Basic SKU/);
    expect(report.totals).toMatchObject({
      loadBalancers: 5,
      down: 1,
      healthy: 1,
      'cannot-read': 2,
      'not-probed': 1,
      started: 1,
    });
    expect(code).toBe(1);
  });

  it('narrows to resource groups and tells a bad scope apart', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'pd-sweep-'));
    const file = join(dir, 'fleet.json');
    writeFileSync(file, JSON.stringify(acceptanceFleet()));
    let out = '';
    let err = '';
    const io = { out: (t: string) => void (out += t), err: (t: string) => void (err += t) };

    // Act
    const code = await main(
      [
        'node',
        'probe-doctor',
        'sweep',
        '--scope',
        `/subscriptions/${SUB_A}/resourceGroups/RG-WEB`,
        '--scenario',
        file,
      ],
      io,
    );
    const bad = await main(
      ['node', 'probe-doctor', 'sweep', '--scope', 'not-a-scope', '--scenario', file],
      io,
    );

    // Assess
    expect(code).toBe(0);
    expect(out).toMatch(
      /^ +healthy +lb-web-prod +\(1a1a1a1a-0000-4000-8000-000000000001\/rg-web, Standard\) +3 backend\(s\) up$/m,
    );
    expect(out).toContain('Totals: 0 down, 1 healthy');
    expect(bad).toBe(2);
    expect(err).toContain(
      'probe-doctor: --scope "not-a-scope" is neither a subscription id nor /subscriptions/<id>/resourceGroups/<name>',
    );
  });
});

describe('probe-doctor sweep text output', () => {
  const SHIPPED = join(__dirname, '..', '..', 'scenarios');
  const SUB = '/subscriptions/00000000-0000-0000-0000-000000000000';

  /** A trail of its own for a --fix sweep (without one it goes to probe-doctor-audit.jsonl here). */
  const tempTrail = () => join(mkdtempSync(join(tmpdir(), 'pd-sweep-fix-')), 'trail.jsonl');

  const auditText = (args: string[]) => runCli(['audit', ...args]);

  const sweepText = (scenario: string, ...flags: string[]) =>
    runCli(['sweep', '--scope', SUB, '--scenario', join(SHIPPED, scenario), ...flags]);

  it('says on stderr the state stdout gives: expected-down, never [down], for the AKS ETP Local load balancer', async () => {
    // Act: the health answer says 2 of 3 nodes down; only the run's verdict says they are down by design.
    const { code, out, err } = await sweepText('aks-etp-local-no-endpoint.json');

    // Assess
    expect(out).toMatch(/^ {2}expected-down {2}kubernetes /m);
    expect(err).not.toContain('[down] kubernetes');
    expect(err).toMatch(
      /^ {2}\[checking\] kubernetes: down by health, run pd-[0-9a-f]+ started; its verdict decides$/m,
    );
    expect(err).toMatch(/^ {2}\[expected-down\] kubernetes \(run pd-[0-9a-f]+: verdict healthy\)$/m);
    expect(code).toBe(0);
  }, 60_000);

  it('prints the verdict of each run it started', async () => {
    // Act
    const { code, out } = await sweepText('shared-nsg-two-lbs.json');

    // Assess
    const runs = out.match(/^ {6}observe run started: pd-[0-9a-f]+; verdict (\S+)$/gm) ?? [];
    expect(runs).toHaveLength(2);
    for (const line of runs) expect(line).toMatch(/; verdict action-required$/);
    expect(out).not.toContain('remediation');
    expect(out).toContain('observe runs 2 started, 0 joined, 0 failed to start');
    expect(code).toBe(1);
  }, 60_000);

  it('is named in its trail, and asking for its report says to name one of its runs (no stack trace)', async () => {
    // Prepare: a sweep's trail.
    const trail = join(mkdtempSync(join(tmpdir(), 'pd-sweep-trail-')), 'sweep.jsonl');
    await sweepText('shared-nsg-two-lbs.json', '--audit-log', trail);
    const sweepId = /Run (sweep-\S+)/.exec((await auditText(['--file', trail])).out)?.[1] ?? '';

    // Act
    const asked = await auditText(['--file', trail, '--run', sweepId, '--format', 'text']);

    // Assess
    expect(sweepId).toMatch(/^sweep-/);
    expect(asked.code).toBe(2);
    expect(asked.out).toBe('');
    expect(asked.err.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^probe-doctor: ${sweepId} is a sweep, which has no report of its own: name one of the runs in the file with --run \\(\\S+-pd-[0-9a-f]+, \\S+-pd-[0-9a-f]+\\)`,
        ),
      ),
    ]);
  }, 60_000);

  it('calls the runs it starts remediations in fix mode only', async () => {
    // Act
    const { out } = await sweepText('shared-nsg-two-lbs.json', '--fix', '--audit-log', tempTrail());

    // Assess
    expect(out).toMatch(/\(fix mode\)/);
    expect(out.match(/^ {6}remediation started: pd-[0-9a-f]+; verdict \S+$/gm) ?? []).toHaveLength(2);
    expect(out).toContain('remediations 2 started, 0 joined, 0 failed to start');
  }, 60_000);

  it('calls a load balancer its fix-mode run fixed resolved, not down, and exits 0 when that is all', async () => {
    // Act
    const { code, out, err } = await sweepText(
      'shared-nsg-two-lbs.json',
      '--fix',
      '--audit-log',
      tempTrail(),
    );

    // Assess: both were down by health; both runs fixed them and proved it.
    expect(out).toMatch(
      /^ +resolved +lbi-web .* its run \(pd-[0-9a-f]+\) fixed it: every backend that was down validated up\n {6}remediation started: pd-[0-9a-f]+; verdict resolved$/m,
    );
    expect(out).toMatch(/^ +resolved +lbi-api /m);
    expect(out).toContain('Totals: 0 down, 0 healthy, 0 expected-down, 2 resolved,');
    expect(err).toMatch(/^ {2}\[resolved\] lbi-web \(run pd-[0-9a-f]+: verdict resolved\)$/m);
    expect(code).toBe(0);
  }, 60_000);

  it('reads an empty backend pool as its own state, not healthy, and starts nothing', async () => {
    // Act
    const { code, out, err } = await sweepText('empty-backend-pool.json');

    // Assess
    expect(out).toMatch(
      /^ +NO BACKENDS +lb-web-prod .* no backends to probe: the backend pool of every probed rule is empty$/m,
    );
    expect(out).toContain('0 healthy');
    expect(out).toContain('1 with no backends');
    expect(out).not.toMatch(/(remediation|observe run) (started|joined)/);
    expect(out).toContain('observe runs 0 started');
    expect(err).toContain('  [no-backends] lb-web-prod\n');
    expect(code).toBe(1);
  }, 60_000);
});

describe('the sweep timer on the local host', () => {
  it('sweeps the allowed scopes, starts the one remediation and records one SweepCompleted event', async () => {
    // Prepare
    const sandbox = await startSandbox({ scenario: acceptanceFleet() });
    const target = {
      kind: 'sandbox' as const,
      endpoint: sandbox.endpoint,
      ca: sandbox.ca,
      clock: sandbox.clock,
    };
    const config = loadConfig({ PROBE_DOCTOR_ALLOWED_SCOPES: `${SUB_A},${SUB_B}` });
    const host = createLocalHost({ target, config, remediation: createRemediation({ pollIntervalMs: 10 }) });
    const auditSink = new MemoryAuditSink();
    try {
      // Act
      const report = await handleSweepTimer({
        client: new LocalDurableClient(host),
        target,
        config,
        auditSink,
        invocationId: 'tick-1',
      });
      // A second tick while a run is in progress joins it (a client that reports it Running).
      const started: string[] = [];
      const busy = new LocalDurableClient(host);
      busy.getStatus = () => Promise.resolve({ runtimeStatus: 'Running' });
      busy.startNew = (name) => (started.push(name), Promise.resolve('never'));
      const again = await handleSweepTimer({
        client: busy,
        target,
        config,
        auditSink,
        invocationId: 'tick-2',
      });

      // Assess
      expect(stateOf(report)[DOWN]).toBe('down');
      expect(host.getStatus(instanceIdFor(DOWN))).toBeDefined();
      for (const id of [HEALTHY, SECRET, BASIC, NO_PROBE])
        expect(host.getStatus(instanceIdFor(id))).toBeUndefined();
      const events = auditSink.events.filter((e) => e.name === 'ProbeDoctor.SweepCompleted');
      expect(events).toHaveLength(2);
      expect(events[0]).toMatchObject({
        runId: 'sweep-tick-1',
        loadBalancersInScope: '5',
        down: '1',
        remediationsStarted: '1',
        refsOmitted: '0',
        outcome: 'attention',
      });
      const refs = JSON.parse((events[0] as { loadBalancers: string }).loadBalancers) as { id: string }[];
      expect(refs.map((r) => r.id).sort()).toEqual([DOWN, HEALTHY, SECRET, BASIC, NO_PROBE].sort());
      expect(again.loadBalancers.find((e) => e.loadBalancerId === DOWN)!.remediation).toEqual({
        instanceId: instanceIdFor(DOWN),
        outcome: 'joined',
      });
      expect(started).toEqual([]);
      expect(events[1]).toMatchObject({
        runId: 'sweep-tick-2',
        remediationsStarted: '0',
        remediationsJoined: '1',
      });
      await host.waitForIdle(instanceIdFor(DOWN));
    } finally {
      await sandbox.stop();
    }
  });
});
