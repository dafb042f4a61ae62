/**
 * `audit --run ID --format markdown`: a recorded run's report rebuilt from its real audit trail (a
 * shipped scenario run with --fix) says what the fresh run's report said.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '../../src/model/report';
import { reportFromAudit } from '../../src/report/fromAudit';
import { loadBalancerOf, runScenario, scenarioFile } from '../helpers/scenarioReports';
import { runCli } from '../helpers/cli';
import { runScenarioDocument } from '../helpers/shippedRun';
import { renderText } from '../../src/report/text';
import { formatTimeline } from '../../src/audit/timeline';
import { auditAlertRejected } from '../../src/audit/auditor';
import { MemoryAuditSink } from '../../src/audit/memorySink';
import { resolvedRun } from '../helpers/auditEvents';

const cli = (...args: string[]) => runCli(args);

describe('reportFromAudit', () => {
  it('rebuilds before and after, causes, the written rule and the validation from a real trail', async () => {
    // Prepare
    const { report, events } = await runScenario('nsg-deny-all-blocks-probe', 'fix');

    // Act
    const rebuilt = reportFromAudit(events, 'run.jsonl');

    // Assess
    const view = (r: Report) => ({
      verdict: r.verdict,
      mode: r.mode,
      backends: r.backends.map((b) => [
        b.ipConfigurationId,
        b.probeState,
        b.causes.map((c) => [c.id, c.evidence]),
      ]),
      fixes: r.fixes.map((f) => [
        f.kind,
        f.status,
        f.target,
        f.detail.ruleName,
        f.detail.priority,
        f.detail.written,
      ]),
    });
    expect(view(rebuilt.report)).toEqual(view(report));
    // Pasted the next morning, the command re-diagnoses: it never writes the recorded fix again.
    expect(rebuilt.context.reproduce).toBe(
      `node bin/probe-doctor.js diagnose --load-balancer ${report.loadBalancerId}`,
    );
    expect(rebuilt.context.probeStateBefore).toEqual(
      Object.fromEntries(
        report.backends.map((b) => [b.ipConfigurationId, b.causes.length > 0 ? 'down' : 'up']),
      ),
    );
    expect(
      rebuilt.report.validation?.map((v) => [v.backendKey, v.health, v.tcp?.reachable, v.tcp?.port]),
    ).toEqual(report.validation?.map((v) => [v.backendKey, v.health, v.tcp?.reachable, v.tcp?.port]));
  });
});

describe('reportFromAudit: the rule as written', () => {
  it("gives the priority and destination the writer wrote, not the plan's (a shared NSG moved it)", async () => {
    // Prepare: the plan said 3990; on the NSG as the writer found it, another run's rule held that
    // priority, so it wrote 3989 (src/remediate/nsgApply.ts re-chooses on fresh state).
    const written = {
      name: 'allow-lb-probe-80',
      priority: 3989,
      access: 'Allow',
      destinationAddressPrefixes: ['10.0.1.4'],
      destinationApplicationSecurityGroups: [
        {
          id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/applicationSecurityGroups/asg-web',
        },
      ],
    };
    const events = (await resolvedRun()).map((e) =>
      e.name === 'ProbeDoctor.FixApplied' ? { ...e, after: JSON.stringify(written) } : e,
    );

    // Act
    const fix = reportFromAudit(events, 'run.jsonl').report.fixes[0];

    // Assess
    expect([fix?.status, fix?.detail.priority, fix?.detail.destinationAddressPrefixes]).toEqual([
      'applied',
      3989,
      ['10.0.1.4'],
    ]);
    expect(fix?.detail.destinationApplicationSecurityGroupIds).toEqual([
      written.destinationApplicationSecurityGroups[0]?.id,
    ]);
  });
});

describe('a trail that stops before RunFinished', () => {
  it('says first to find out what the run did last, and the timeline says the end is missing', async () => {
    // Prepare: a real fix run's trail, cut just before its FixApplied (a write the trail never saw end).
    const { events } = await runScenario('nsg-deny-all-blocks-probe', 'fix');
    const cut = events.slice(
      0,
      events.findIndex((e) => e.name === 'ProbeDoctor.FixApplied'),
    );

    // Act
    const whole = reportFromAudit(events, 'run.jsonl').report;
    const partial = reportFromAudit(cut, 'run.jsonl').report;

    // Assess
    expect(whole.nextSteps?.[0] ?? '').not.toMatch(/ends before RunFinished/);
    expect(partial.nextSteps?.[0]).toMatch(
      /^this run's trail ends before RunFinished: check whether the run/,
    );
    expect(formatTimeline(events)).not.toContain('(no RunFinished');
    expect(formatTimeline(cut).trimEnd().split('\n').at(-1)).toMatch(/^\(no RunFinished: /);
  });

  it('is not said of an alert that started no run (a Resolved notification ignored)', async () => {
    // Prepare
    const sink = new MemoryAuditSink();
    await auditAlertRejected(sink, {
      runId: 'inv-1',
      mode: 'fix',
      reason: 'resolved notification',
      outcome: 'resolved-ignored',
      loadBalancerId:
        '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb',
    });

    // Act / Assess
    expect(formatTimeline(sink.events)).not.toContain('(no RunFinished');
    expect(reportFromAudit(sink.events, 'run.jsonl').report.nextSteps ?? []).toEqual([]);
  });
});

describe('reportFromAudit: what a person must do and what the run could not see', () => {
  it("keeps a Reader's next steps and what could not be read, as the run's own report said them", async () => {
    // Prepare: the built-in Reader on a guest firewall drop: the health and Run Command refused.
    const file = join(__dirname, '../../scenarios/guest-firewall-drop.json');
    const doc = JSON.parse(await readFile(file, 'utf8')) as {
      expect?: { loadBalancerId: string };
      permissions?: unknown;
    };
    doc.permissions = [{ actions: ['*/read'], notActions: [] }];
    const { report, events } = await runScenarioDocument(doc, 'observe');

    // Act
    const rebuilt = reportFromAudit(events, 'run.jsonl').report;

    // Assess
    expect(report.nextSteps?.length).toBeGreaterThan(0);
    expect(report.problems?.length).toBeGreaterThan(0);
    expect(rebuilt.nextSteps).toEqual(report.nextSteps);
    expect(rebuilt.problems).toEqual(report.problems);
    const text = renderText(rebuilt);
    expect(text).toMatch(/\nNext steps \(in this order\):\n {2}1\. check the guest of web-1: /);
    expect(text).toMatch(/\nCould not read:\n {2}- forbidden: rule health: /);
  });

  it('says how many the trail could not hold, and reads a trail written before them as before', async () => {
    // Prepare
    const { events } = await runScenario('nsg-deny-all-blocks-probe', 'observe');
    const finished = [...events].reverse().find((e) => e.name === 'ProbeDoctor.RunFinished');
    if (!finished) throw new Error('no RunFinished');
    const cut = { ...finished, nextStepsOmitted: '3', problems: '[]', problemsOmitted: '2' };
    const old = Object.fromEntries(Object.entries(finished).filter(([k]) => !/nextSteps|problems/.test(k)));

    // Act
    const withCut = reportFromAudit([...events.filter((e) => e !== finished), cut], 'run.jsonl').report;
    const before = reportFromAudit(
      [...events.filter((e) => e !== finished), old as typeof finished],
      'run.jsonl',
    ).report;

    // Assess: what did not fit is said among the problems, not as a step to take.
    expect(withCut.nextSteps?.join('\n')).not.toMatch(/more next steps/);
    expect(withCut.problems).toEqual([
      { kind: 'audit', message: expect.stringMatching(/^2 more problems than/) },
      { kind: 'audit', message: expect.stringMatching(/^3 more next steps than the trail holds/) },
    ]);
    expect(before.nextSteps).toBeUndefined();
    expect(before.problems).toBeUndefined();
  });
});

describe('reportFromAudit: an escalated run', () => {
  it("says where the ticket's payload is, since the trail does not hold it", async () => {
    // Prepare: nothing explains hidden-failure-unknown; --fix escalates with a ticket built, not submitted.
    const { report, events } = await runScenario('hidden-failure-unknown', 'fix');

    // Act
    const rebuilt = reportFromAudit(events, 'run.jsonl').report;

    // Assess
    expect(report.verdict).toBe('escalated');
    expect(rebuilt.escalation?.supportTicket).toEqual({});
    expect(rebuilt.problems).toContainEqual({
      kind: 'audit',
      message: expect.stringMatching(
        /^the support ticket's payload is not in the audit trail: take it from the run's own report/,
      ),
    });
  });
});

describe('reportFromAudit: a run that stopped, and text a terminal would obey', () => {
  /** A real observe run's trail with its RunFinished changed as `change` says. */
  async function trailWith(change: Record<string, string>) {
    const { events } = await runScenario('nsg-deny-all-blocks-probe', 'observe');
    const finished = [...events].reverse().find((e) => e.name === 'ProbeDoctor.RunFinished');
    if (!finished) throw new Error('no RunFinished');
    return [...events.filter((e) => e !== finished), { ...finished, ...change } as typeof finished];
  }

  it("keeps what the reason adds to the report's own problem: the phase, what was left in place", async () => {
    // Prepare
    const deadline = await trailWith({
      outcome: 'failed',
      reason: 'deadline while applying: apply did not finish within 60 s',
      problems: JSON.stringify([{ kind: 'deadline', message: 'apply did not finish within 60 s' }]),
    });
    const interrupted = await trailWith({
      reason: 'interrupted: validation did not run; left in place: nsg-allow-probe rule r on /nsg',
      problems: JSON.stringify([{ kind: 'interrupted', message: 'validation did not run' }]),
    });

    // Act
    const a = reportFromAudit(deadline, 'run.jsonl').report;
    const b = reportFromAudit(interrupted, 'run.jsonl').report;

    // Assess: one problem each, with the reason's words.
    expect(a.problems).toEqual([
      {
        kind: 'deadline',
        message: 'the run failed: deadline while applying: apply did not finish within 60 s',
      },
    ]);
    expect(b.problems).toEqual([
      {
        kind: 'interrupted',
        message: 'validation did not run; left in place: nsg-allow-probe rule r on /nsg',
      },
    ]);
  });

  it('escapes line breaks and terminal controls in what the trail says', async () => {
    // Prepare
    const trail = await trailWith({
      problems: JSON.stringify([{ kind: 'error', message: '\u001b[31mred\u001b[0m\nfake line' }]),
      nextSteps: JSON.stringify(['do this\u202eevil']),
    });

    // Act
    const rebuilt = reportFromAudit(trail, 'run.jsonl').report;
    const text = renderText(rebuilt);

    // Assess
    expect(rebuilt.problems?.[0]?.message).toBe('\\u001b[31mred\\u001b[0m\\nfake line');
    expect(rebuilt.nextSteps).toEqual(['do this\\u202eevil']);
    expect(text.includes('\u001b') || text.includes('\u202e')).toBe(false);
    expect(text).not.toMatch(/^fake line/m);
  });
});

describe('reportFromAudit: any text of the trail, and the command to paste', () => {
  it('escapes controls in every field it rebuilds, and quotes the load balancer in the Reproduce command', async () => {
    // Prepare: a fix run's trail whose fix reason carries a terminal escape, and an id with a command in it.
    const { events } = await runScenario('nsg-deny-all-blocks-probe', 'fix');
    const lb = events[0] && 'loadBalancerId' in events[0] ? events[0].loadBalancerId : '';
    const hostile = `${lb}$(touch /tmp/pwned)`;
    const trail = events.map((e) => {
      const withId = 'loadBalancerId' in e ? { ...e, loadBalancerId: hostile } : e;
      return e.name === 'ProbeDoctor.FixApplied'
        ? { ...withId, reason: 'written\u001b[2J\nfake line' }
        : withId;
    }) as typeof events;

    // Act
    const rebuilt = reportFromAudit(trail, 'run.jsonl');

    // Assess
    expect(rebuilt.report.fixes.map((f) => f.reason)).toContain('written\\u001b[2J\\nfake line');
    expect(renderText(rebuilt.report, rebuilt.context).includes('\u001b')).toBe(false);
    expect(rebuilt.context.reproduce).toBe(`node bin/probe-doctor.js diagnose --load-balancer '${hostile}'`);
  });
});

describe('probe-doctor audit --format', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pd-audit-format-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('renders the Markdown report of a recorded --fix run', async () => {
    // Prepare: a real run through the CLI, its trail in a file.
    const log = join(dir, 'audit.jsonl');
    const lb = loadBalancerOf('nsg-deny-all-blocks-probe');
    const run = await cli(
      'diagnose',
      '--load-balancer',
      lb,
      '--scenario',
      scenarioFile('nsg-deny-all-blocks-probe'),
      '--fix',
      '--audit-log',
      log,
      '--json',
    );
    const fresh = JSON.parse(run.out) as Report;

    // Act
    const { code, out, err } = await cli(
      'audit',
      '--file',
      log,
      '--run',
      fresh.runId!,
      '--format',
      'markdown',
    );

    // Assess
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out.split('\n')[0]).toMatch(
      /^\*\*RESOLVED: lbi-orders-prod; who must act: nobody: .*; backends down 2 -> 0 of 3; [\d.]+ m?s\*\*$/,
    );
    expect(out).toContain(`- Source: audit trail ${log.replace(/_/g, '\\_')}`);
    expect(out).toContain('## vm-orders-01 (10.20.1.4): down -> up');
    expect(out).toMatch(/- \*\*Validation\*\*: peer vm-orders-03 -> 10\.20\.1\.4:8080 reachable/);
    expect(out).toContain(
      `az network nsg rule delete --subscription '00000000-0000-0000-0000-000000000000' --resource-group 'rg-orders-prod' --nsg-name 'nsg-snet-app-a' --name '${String(fresh.fixes[0]!.detail.ruleName)}'`,
    );
    // The command re-diagnoses; pasting it does not write the recorded fix again.
    expect(out).toContain(`\nnode bin/probe-doctor.js diagnose --load-balancer ${lb}\n`);
    expect(await readFile(log, 'utf8')).toContain('ProbeDoctor.RunFinished');
  });

  it('asks for --run when the file holds several runs', async () => {
    // Prepare
    const { events } = await runScenario('nsg-deny-all-blocks-probe', 'fix');
    const other = events.map((e) => ({ ...e, runId: 'pd-other' }));
    const file = join(dir, 'two.jsonl');
    await import('node:fs/promises').then((fs) =>
      fs.writeFile(file, [...events, ...other].map((e) => JSON.stringify(e)).join('\n') + '\n'),
    );

    // Act
    const { code, err } = await cli('audit', '--file', file, '--format', 'markdown');

    // Assess
    expect(code).toBe(2);
    expect(err).toBe(
      `probe-doctor: --format renders one run's report: name it with --run (runs in the file: ${events[0]!.runId}, pd-other).\n`,
    );
  });
});
