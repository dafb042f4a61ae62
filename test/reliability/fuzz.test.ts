/**
 * Fuzzing every boundary with fast-check, bounded in count (FUZZ_RUNS per property, default 300) and
 * time (each property stops at FUZZ_MS, default 4 s). What each property asserts is the rule
 * for that boundary: no crash (only the boundary's own clear error), no confident answer from missing
 * evidence, nothing started on input ARM would refuse, nothing printed that forges a line.
 * `FUZZ_STATS=1` prints how many inputs each property tried (docs/reliability.md quotes them).
 */
import { HttpRequest, HttpResponse, InvocationContext } from '@azure/functions';
import fc from 'fast-check';
import { createTriggerAudit } from '../../src/app/triggerAudit';
import { createAuditor } from '../../src/audit/auditor';
import { MemoryAuditSink } from '../../src/audit/memorySink';
import { formatTimeline } from '../../src/audit/timeline';
import { checkArmAnswer, isInvalidArmAnswerError } from '../../src/azure/armAnswer';
import { mapLoadBalancer, mapNic, mapNsg } from '../../src/azure/map';
import { parseLoadBalancerId } from '../../src/azure/resourceId';
import { main } from '../../src/cli/main';
import { isInvalidInputError } from '../../src/errors';
import { parseGuestOutput } from '../../src/guest/parse/guestOutput';
import { parseRunCommandResult } from '../../src/guest/parse/runCommand';
import { parseScenario } from '../../src/sandbox/scenario';
import { handleAlertWebhook } from '../../src/triggers/alertWebhook';
import { handleApproval } from '../../src/triggers/approval';
import { FakeClient } from '../triggers/fakeClient';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const MS = Number(process.env.FUZZ_MS ?? 4000);
const tried: Record<string, number> = {};
afterAll(() => {
  if (process.env.FUZZ_STATS) console.log(JSON.stringify(tried));
});

/** Runs a property within the budget and counts the inputs it tried under `name`. */
async function check<T>(name: string, arb: fc.Arbitrary<T>, predicate: (value: T) => Promise<void> | void) {
  tried[name] = 0;
  await fc.assert(
    fc.asyncProperty(arb, async (value) => {
      tried[name] = (tried[name] ?? 0) + 1;
      await predicate(value);
    }),
    { numRuns: RUNS, interruptAfterTimeLimit: MS, markInterruptAsFailure: false, seed: 12 },
  );
}

const SUB = '11111111-2222-3333-4444-555555555555';
const LB_PREFIX = `/subscriptions/${SUB}/resourceGroups/rg-web/providers/Microsoft.Network/loadBalancers/`;
/** ARM's rule for a Microsoft.Network name, written independently of the code under test. */
const armAcceptsNetworkName = (name: string) =>
  name.length >= 1 &&
  name.length <= 80 &&
  /^[A-Za-z0-9]/.test(name) &&
  /[A-Za-z0-9_]$/.test(name) &&
  [...name].every((c) => /[A-Za-z0-9_.-]/.test(c));

/** Names of the kinds the issue found (dots, URL syntax, shell syntax, huge) mixed with plain ones. */
const nameArb = fc.oneof(
  fc.constantFrom(
    '.',
    '..',
    'lb?api-version=2024-05-01',
    '$(id)',
    '`id`',
    'lb web',
    'lb/..',
    'x'.repeat(100_000),
  ),
  fc.string({ unit: 'grapheme-ascii', minLength: 0, maxLength: 90 }),
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,85}[A-Za-z0-9_.?$-]?$/),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

describe('fuzz: resource ids (CLI argument, HTTP path, alert target)', () => {
  it('a load balancer id parses exactly when ARM would accept its name; otherwise one InvalidInputError', async () => {
    await check('resource id', nameArb, (name) => {
      let accepted = false;
      try {
        parseLoadBalancerId(LB_PREFIX + name);
        accepted = true;
      } catch (err) {
        expect(isInvalidInputError(err)).toBe(true);
        expect((err as Error).message.length).toBeLessThan(1000);
      }
      expect(accepted).toBe(armAcceptsNetworkName(name));
    });
  });

  it('the CLI exits 2 with one line of error for an id ARM would refuse, and never throws', async () => {
    // The first call loads the CLI's modules (seconds under load): outside the time budget, so the
    // budget is spent on inputs (it used to try 1 input in 4 s on a loaded machine).
    await main(['node', 'probe-doctor', 'diagnose', '--load-balancer', `${LB_PREFIX}..`], {
      out: () => undefined,
      err: () => undefined,
    });
    await check(
      'CLI --load-balancer',
      nameArb.filter((n) => !armAcceptsNetworkName(n) && !n.startsWith('-')),
      async (name) => {
        let err = '';
        const code = await main(['node', 'probe-doctor', 'diagnose', '--load-balancer', LB_PREFIX + name], {
          out: () => undefined,
          err: (t) => (err += t),
        });
        expect(code).toBe(2);
        expect(err).toMatch(/resource id (has|must)/);
      },
    );
  });
});

describe('fuzz: alert payloads', () => {
  const alertArb = fc.record({
    target: fc.oneof(
      nameArb.map((n) => LB_PREFIX + n),
      fc.string(),
      fc.constant(null),
      fc.integer(),
    ),
    // Mostly well-formed around the target, so the target's own validation is what is exercised.
    alertId: fc.oneof(
      fc.constant('alert-1'),
      fc.constant('alert-1'),
      fc.string(),
      fc.constant(undefined),
      fc.integer(),
    ),
    condition: fc.oneof(fc.constant('Fired'), fc.constant('Fired'), fc.constant('Resolved'), fc.string()),
    signalType: fc.constantFrom('Metric', 'Metric', 'Activity Log', 'Log', 7),
    raw: fc.option(fc.oneof(fc.string(), fc.json()), { nil: undefined }),
  });
  it('never 500s or throws; starts a run only for a load balancer ARM could have; audits every refusal', async () => {
    await check('alert payload', alertArb, async (a) => {
      const body =
        a.raw ??
        JSON.stringify({
          schemaId: 'azureMonitorCommonAlertSchema',
          data: {
            essentials: {
              alertId: a.alertId,
              signalType: a.signalType,
              monitorCondition: a.condition,
              alertTargetIDs: [a.target],
            },
          },
        });
      const client = new FakeClient();
      const sink = new MemoryAuditSink();
      const response = await handleAlertWebhook(
        new HttpRequest({ method: 'POST', url: 'http://127.0.0.1/api/alerts', body: { string: body } }),
        new InvocationContext(),
        {
          client,
          allowedScopes: [{ subscriptionId: SUB }],
          mode: 'fix',
          audit: createTriggerAudit(sink, 'fix', 'i'),
        },
      );
      const status = response instanceof HttpResponse ? response.status : (response.status ?? 200);
      expect([200, 202, 400, 403]).toContain(status);
      for (const started of client.started) {
        const id = (started.input as { loadBalancerId: string }).loadBalancerId;
        expect(armAcceptsNetworkName(id.slice(LB_PREFIX.length))).toBe(true);
      }
      if (status >= 400) expect(sink.events.map((e) => e.name)).toEqual(['ProbeDoctor.AlertRejected']);
    });
  });
});

describe('fuzz: approval headers and bodies', () => {
  it('never throws; the approver is never empty; never marked verified', async () => {
    const instanceId = `pd-${'b'.repeat(32)}`;
    await check(
      'approval',
      fc.record({
        // HTTP header values are bytes (Latin-1); the platform refuses anything else before we see it.
        header: fc.option(
          fc.string({
            unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)),
            maxLength: 40,
          }),
          { nil: undefined },
        ),
        by: fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.integer(), fc.constant(undefined)),
        decision: fc.constantFrom('approve', 'reject', 'maybe'),
      }),
      async ({ header, by, decision }) => {
        class Client extends FakeClient {
          override getStatus(id: string) {
            return super
              .getStatus(id)
              .then((s) => ({ ...s, input: { loadBalancerId: `${LB_PREFIX}lb-web` } }));
          }
        }
        const client = new Client();
        client.statuses.set(instanceId, 'Running');
        const sink = new MemoryAuditSink();
        // Headers cannot carry control characters over HTTP; the platform would refuse such a request.
        const headers: Record<string, string> =
          header !== undefined && !/[\r\n\0]/.test(header) ? { 'x-ms-client-principal-name': header } : {};
        const response = await handleApproval(
          new HttpRequest({
            method: 'POST',
            url: `http://127.0.0.1/api/remediations/${instanceId}/approval`,
            params: { instanceId },
            headers,
            body: { string: JSON.stringify({ decision, by }) },
          }),
          new InvocationContext(),
          { client, audit: createTriggerAudit(sink, 'fix', 'i') },
        );
        expect([202, 400]).toContain(response.status);
        for (const e of sink.events) {
          expect(e).toMatchObject({ name: 'ProbeDoctor.ApprovalReceived', verified: 'false' });
          expect((e as { by: string }).by.trim()).not.toBe('');
        }
      },
    );
  });

  it('any approver name prints as exactly one timeline line', async () => {
    await check(
      'audit text',
      fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }).filter((s) => s.trim() !== ''),
      async (by) => {
        const sink = new MemoryAuditSink();
        const audit = createAuditor(sink, {
          runId: 'run-1',
          loadBalancerId: `${LB_PREFIX}lb-web`,
          mode: 'fix',
        });
        await audit.approvalReceived({ by, verified: false, outcome: 'approve' });
        const text = formatTimeline(sink.events).trimEnd();
        expect(text.split('\n')).toHaveLength(3);
        expect(text).not.toMatch(/[\r\u2028\u2029\u001b]/); // eslint-disable-line no-control-regex
      },
    );
  });
});

describe('fuzz: ARM answers and scenario files', () => {
  /** Values of the wrong JSON type where ARM has an id, a name, a port or a port range. */
  const wrong = fc.oneof(
    fc.integer(),
    fc.constant(null),
    fc.array(fc.string(), { maxLength: 2 }),
    fc.object({ maxDepth: 1 }),
    fc.boolean(),
    fc.string({ maxLength: 8 }),
  );
  const lbArb = fc.record({
    probeId: wrong,
    probeName: fc.oneof(fc.constant('p1'), wrong),
    secondProbeName: fc.oneof(fc.constant('p1'), fc.constant('p2'), fc.constant('P1')),
    port: fc.oneof(fc.integer({ min: -2, max: 70000 }), fc.double(), wrong),
    ruleProbeId: wrong,
    ipConfigId: wrong,
    portRange: fc.oneof(fc.constantFrom('0', '65536', '-1', '80.5', '80', '*', '0-65535', '100-50'), wrong),
  });
  it('an answer is either refused with InvalidArmAnswerError or maps without a TypeError', async () => {
    await check('ARM answer', lbArb, (v) => {
      const lbId = `${LB_PREFIX}lb-web`;
      const lb = {
        id: lbId,
        name: 'lb-web',
        probes: [
          { id: v.probeId, name: v.probeName, port: v.port, protocol: 'Tcp' },
          { id: `${lbId}/probes/p2`, name: v.secondProbeName, port: 80, protocol: 'Tcp' },
        ],
        loadBalancingRules: [{ id: `${lbId}/loadBalancingRules/r`, name: 'r', probe: { id: v.ruleProbeId } }],
        backendAddressPools: [
          {
            id: `${lbId}/backendAddressPools/pool`,
            name: 'pool',
            backendIPConfigurations: [{ id: v.ipConfigId }],
          },
        ],
      };
      const nsg = {
        id: `/subscriptions/${SUB}/resourceGroups/rg-web/providers/Microsoft.Network/networkSecurityGroups/nsg`,
        name: 'nsg',
        securityRules: [
          {
            name: 'r1',
            priority: 100,
            destinationPortRange: v.portRange,
            direction: 'Inbound',
            access: 'Deny',
            protocol: '*',
          },
        ],
      };
      const nic = {
        id: `/subscriptions/${SUB}/resourceGroups/rg-web/providers/Microsoft.Network/networkInterfaces/nic`,
        ipConfigurations: [{ id: v.ipConfigId, name: 'ipconfig1' }],
      };
      for (const [answer, map] of [
        [lb, mapLoadBalancer],
        [nsg, mapNsg],
        [nic, mapNic],
      ] as const) {
        try {
          (map as (a: unknown) => unknown)(checkArmAnswer(answer, 'answer'));
        } catch (err) {
          // Only the two clear errors; a TypeError is a crash.
          expect(isInvalidArmAnswerError(err) || isInvalidInputError(err)).toBe(true);
        }
      }
    });
  });

  it('a scenario file is either a scenario or one InvalidInputError naming a JSON path', async () => {
    await check(
      'scenario file',
      fc.record({
        name: fc.oneof(fc.string(), fc.integer()),
        resources: fc.array(
          fc.record({
            id: fc.oneof(fc.constant(`${LB_PREFIX}lb-web`), fc.string(), fc.integer()),
            name: fc.oneof(fc.string(), fc.integer()),
            type: fc.oneof(fc.constant('Microsoft.Network/loadBalancers'), fc.string()),
            properties: fc.object({ maxDepth: 2 }),
          }),
          { maxLength: 3 },
        ),
      }),
      (value) => {
        try {
          parseScenario(value);
        } catch (err) {
          expect(isInvalidInputError(err)).toBe(true);
          expect((err as Error).message).toMatch(/^scenario: \$/);
        }
      },
    );
  });

  /**
   * Well-formed scenario files around the nested ARM answers the issue found broken (two probes of one
   * name, ids of the wrong JSON type, ports ARM refuses), so the scenario check itself is what is
   * reached: a file it accepts must keep ARM's invariants, checked here independently of the code.
   */
  it('a scenario it accepts keeps ARM invariants in its nested probes and rules; otherwise the error names the path', async () => {
    const probeArb = fc.record({
      id: fc.oneof(fc.constant('ok'), fc.constant('ok'), wrong),
      name: fc.constantFrom('p1', 'p2', 'P1', 'p3'),
      port: fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.constantFrom(0, 65536, -1, 80.5), wrong),
    });
    const ruleArb = fc.record({
      name: fc.constantFrom('r1', 'r2', 'R1'),
      port: fc.oneof(
        fc.constantFrom('80', '*', '1000-2000', '0-65535'),
        fc.constantFrom('0', '65536', '-1', '80.5', '9-1'),
        wrong,
      ),
    });
    await check(
      'scenario file (nested ARM answers)',
      fc.record({
        probes: fc.array(probeArb, { minLength: 1, maxLength: 3 }),
        rules: fc.array(ruleArb, { maxLength: 3 }),
      }),
      ({ probes, rules }) => {
        const lbId = `${LB_PREFIX}lb-web`;
        const nsgId = `/subscriptions/${SUB}/resourceGroups/rg-web/providers/Microsoft.Network/networkSecurityGroups/nsg`;
        const file = {
          name: 'fuzz',
          resources: [
            {
              id: lbId,
              name: 'lb-web',
              type: 'Microsoft.Network/loadBalancers',
              properties: {
                probes: probes.map((p) => ({
                  id: p.id === 'ok' ? `${lbId}/probes/${p.name}` : p.id,
                  name: p.name,
                  properties: { protocol: 'Tcp', port: p.port, intervalInSeconds: 5, numberOfProbes: 1 },
                })),
              },
            },
            {
              id: nsgId,
              name: 'nsg',
              type: 'Microsoft.Network/networkSecurityGroups',
              properties: {
                securityRules: rules.map((r, i) => ({
                  id: `${nsgId}/securityRules/${r.name}`,
                  name: r.name,
                  properties: {
                    priority: 100 + i,
                    direction: 'Inbound',
                    access: 'Deny',
                    protocol: '*',
                    destinationPortRange: r.port,
                  },
                })),
              },
            },
          ],
        };
        let accepted = false;
        try {
          parseScenario(file);
          accepted = true;
        } catch (err) {
          expect(isInvalidInputError(err)).toBe(true);
          expect((err as Error).message).toMatch(/^scenario: \$\.resources\[[01]\]/);
        }
        const unique = (names: string[]) => new Set(names.map((n) => n.toLowerCase())).size === names.length;
        const armPort = (v: unknown) => {
          if (typeof v !== 'string') return false;
          if (v === '*') return true;
          const m = /^(\d+)(?:-(\d+))?$/.exec(v);
          if (!m) return false;
          const [lo, hi] = [Number(m[1]), m[2] === undefined ? undefined : Number(m[2])];
          return hi === undefined ? lo >= 1 && lo <= 65535 : lo >= 0 && hi <= 65535 && lo <= hi;
        };
        const keepsInvariants =
          unique(probes.map((p) => p.name)) &&
          probes.every((p) => p.id === 'ok' || typeof p.id === 'string') &&
          probes.every(
            (p) => Number.isInteger(p.port) && (p.port as number) >= 1 && (p.port as number) <= 65535,
          ) &&
          unique(rules.map((r) => r.name)) &&
          rules.every((r) => armPort(r.port));
        // Accepted exactly when ARM's invariants hold: nothing broken slips through, nothing sound is refused.
        expect(accepted).toBe(keepsInvariants);
      },
    );
  });
});

describe('fuzz: guest output', () => {
  const section = (name: string, body: fc.Arbitrary<string>) =>
    body.map((b) => `=== ${name} ===\n${b}\n=== end ===\n`);
  const guestArb = fc.record({
    os: fc.constantFrom('linux' as const, 'windows' as const),
    parts: fc.array(
      fc.oneof(
        section(
          'listen',
          fc.oneof(
            fc.string(),
            fc.constant(''),
            fc.constant('State Recv-Q Send-Q Local Address:Port Peer Address:Port'),
          ),
        ),
        section('winfw-profile', fc.string()),
        section('winfw-rules', fc.string()),
        section('iptables', fc.string()),
        section('http', fc.string()),
        fc.string({ unit: 'binary', maxLength: 60 }),
      ),
      { maxLength: 5 },
    ),
    cut: fc.nat({ max: 400 }),
  });
  it('never throws; listening evidence is empty only when its source was read, else "not determined"', async () => {
    await check('guest output', guestArb, ({ os, parts, cut }) => {
      const stdout = parts.join('').slice(cut);
      const evidence = parseGuestOutput(
        os,
        stdout,
        { protocol: 'Http', port: 80, requestPath: '/' },
        '10.0.1.4',
      );
      if (evidence.listening.length === 0 && evidence.listeningUndetermined === undefined) {
        expect(['ss', 'netstat', 'Get-NetTCPConnection']).toContain(evidence.listeningSource);
      }
      if (os === 'windows' && !/=== winfw-profile ===/.test(stdout)) {
        expect(evidence.firewall.map((f) => f.decision)).toContain('unknown');
      }
    });
  });

  it('the Run Command result parser accepts any message', async () => {
    await check('Run Command result', fc.string({ unit: 'binary', maxLength: 400 }), (message) => {
      const { stdout, stderr } = parseRunCommandResult({
        value: [{ code: 'ProvisioningState/succeeded', message }],
      });
      // Each stream is a part of the message, never text it did not contain.
      expect(message.includes(stdout) && message.includes(stderr)).toBe(true);
    });
  });

  /**
   * Linux Run Command's message is `Enable succeeded: \n[stdout]\n<out>\n[stderr]\n<err>\n`: whatever
   * the script printed (markers of its own included, many of them, as the 270 KB case had), the
   * parser gives back exactly the two streams. Its time on large input is the benchmark command's
   * (docs/reliability.md), never asserted here.
   */
  it('the Run Command result parser gives back exactly the streams the script printed', async () => {
    const streamArb = (noStderrMark: boolean) =>
      fc
        .array(
          fc.oneof(
            fc.string({ unit: 'binary', maxLength: 30 }),
            fc.constantFrom('[stdout]\n', '[stdout]', '\n', 'Enable succeeded: \n'),
            fc.nat({ max: 2000 }).map((n) => '[stdout]\n'.repeat(n)),
          ),
          { maxLength: 8 },
        )
        .map((parts) => parts.join(''))
        .filter((text) => !noStderrMark || !text.includes('[stderr]'));
    await check(
      'Run Command streams',
      fc.record({ out: streamArb(true), err: streamArb(false) }),
      ({ out, err }) => {
        // The agent puts a line break after each stream's text (none after an empty stderr).
        const message = `Enable succeeded: \n[stdout]\n${out}\n[stderr]\n${err}${err ? '\n' : ''}`;
        expect(parseRunCommandResult({ value: [{ code: 'ProvisioningState/succeeded', message }] })).toEqual({
          stdout: out,
          stderr: err,
        });
      },
    );
  });
});
