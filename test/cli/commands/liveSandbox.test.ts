/**
 * A live-mode `diagnose --fix` against the standalone `probe-doctor sandbox` (the command's own code,
 * on wall time, with its CA written to a file), reached as any ARM endpoint is: `--arm-endpoint`,
 * `--ca-file`, and a bearer token from `--access-token-env` (never the default credential chain).
 * The scenario's probe re-tests every 2 s with threshold 2, so the run really waits 4 s.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// main first: the command modules import it back (exit codes), so it must load before them.
import { EXIT_INTERRUPTED, main } from '../../../src/cli/main';
import { parseAuditLines } from '../../../src/audit/timeline';
import { runDiagnose } from '../../../src/cli/commands/diagnose';
import { runSandbox } from '../../../src/cli/commands/sandbox';
import type { Report } from '../../../src/model/report';
import { reportFromAudit } from '../../../src/report/fromAudit';

const SOURCE = join(__dirname, '../../../scenarios/nsg-deny-all-blocks-probe.json');
const TOKEN_ENV = 'PROBE_DOCTOR_TEST_SANDBOX_TOKEN';

/**
 * nsg-deny-all-blocks-probe with a probe that re-tests every 2 s, threshold 2, at its real pace;
 * ARM requests and operations at 1/100 of Azure's (a 20 s Run Command takes 200 ms), to keep it short.
 */
function shortIntervalScenario(dir: string): { file: string; lbId: string } {
  const doc = JSON.parse(readFileSync(SOURCE, 'utf8')) as {
    time?: unknown;
    expect: { loadBalancerId: string };
    resources: { type: string; properties: { probes?: { properties: Record<string, unknown> }[] } }[];
  };
  for (const lb of doc.resources.filter((r) => r.type === 'Microsoft.Network/loadBalancers')) {
    for (const probe of lb.properties.probes ?? []) {
      Object.assign(probe.properties, { intervalInSeconds: 2, probeThreshold: 2, numberOfProbes: 2 });
    }
  }
  doc.time = { scale: 0.01, probeScale: 1 };
  const file = join(dir, 'short-interval.json');
  writeFileSync(file, JSON.stringify(doc));
  return { file, lbId: doc.expect.loadBalancerId };
}

/** Runs `body` while the standalone sandbox serves `file`. */
async function withStandaloneSandbox(
  file: string,
  body: (endpoint: string, caFile: string) => Promise<void>,
): Promise<void> {
  await runSandbox({ scenario: file }, { out: () => undefined, err: () => undefined }, (sandbox, caFile) =>
    body(sandbox.endpoint, caFile),
  );
}

describe('live mode against the standalone sandbox', () => {
  const dir = mkdtempSync(join(tmpdir(), 'probe-doctor-live-'));
  const { file, lbId } = shortIntervalScenario(dir);
  beforeAll(() => {
    process.env[TOKEN_ENV] = 'any-token-the-sandbox-accepts';
  });
  afterAll(() => {
    delete process.env[TOKEN_ENV];
  });

  it('waits interval x threshold for real before it validates, and ends resolved', async () => {
    const auditLog = join(dir, 'resolved.jsonl');
    let out = '';
    let err = '';
    await withStandaloneSandbox(file, async (endpoint, caFile) => {
      // Act
      const code = await main(
        [
          'node',
          'probe-doctor',
          'diagnose',
          '--load-balancer',
          lbId,
          '--fix',
          '--json',
          '--arm-endpoint',
          endpoint,
          '--ca-file',
          caFile,
          '--access-token-env',
          TOKEN_ENV,
          '--audit-log',
          auditLog,
        ],
        { out: (t) => void (out += t), err: (t) => void (err += t) },
      );

      // Assess
      expect({ code, err }).toMatchObject({ code: 0 });
    });
    const report = JSON.parse(out) as Report;
    expect(report.verdict).toBe('resolved');
    expect(report.fixes.map((f) => f.status)).toEqual(['applied']);
    expect(err).toContain('probe-doctor: waiting 4 s for the probe to re-test: interval 2 s x threshold 2\n');
    const events = parseAuditLines(readFileSync(auditLog, 'utf8'), auditLog);
    const at = (name: string) => events.filter((e) => e.name === name).map((e) => Date.parse(e.time));
    const fixed = Math.max(...at('ProbeDoctor.FixApplied'));
    const validated = Math.min(...at('ProbeDoctor.ValidationResult'));
    expect(validated - fixed).toBeGreaterThanOrEqual(4_000);
  }, 60_000);

  it('stops cleanly when interrupted during the wait: the fix stays, validation did not run, exit 130', async () => {
    let out = '';
    let err = '';
    await withStandaloneSandbox(file, async (endpoint, caFile) => {
      const interrupt = new AbortController();

      // Act: Ctrl-C as soon as the wait starts.
      const code = await runDiagnose(
        {
          loadBalancer: lbId,
          fix: true,
          json: true,
          armEndpoint: endpoint,
          caFile,
          accessTokenEnv: TOKEN_ENV,
          auditLog: join(dir, 'interrupted.jsonl'),
        },
        {
          out: (t) => void (out += t),
          err: (t) => {
            err += t;
            if (t.includes('waiting 4 s')) interrupt.abort();
          },
        },
        { signal: interrupt.signal },
      );

      // Assess
      expect(code).toBe(EXIT_INTERRUPTED);
    });
    const report = JSON.parse(out) as Report;
    expect(report.fixes.map((f) => f.status)).toEqual(['applied']);
    expect(report.validation).toBeUndefined();
    expect(report.problems).toEqual([
      {
        kind: 'interrupted',
        message:
          'validation did not run: the run was interrupted while waiting for the probe to re-test; the fixes applied stay in place',
      },
    ]);
    expect(err).not.toContain('rolled back');
    // The trail says so too (trial 2026-11-30: its RunFinished had no trace of the interrupt): where
    // it stopped and the rule it left in place, and the report rebuilt from it carries the problem.
    const trail = join(dir, 'interrupted.jsonl');
    const events = parseAuditLines(readFileSync(trail, 'utf8'), trail);
    const finished = events.at(-1);
    const rule = report.fixes[0]?.detail.ruleName as string;
    expect(finished).toMatchObject({ name: 'ProbeDoctor.RunFinished', outcome: 'action-required' });
    expect(finished && 'reason' in finished ? finished.reason : undefined).toBe(
      `interrupted: validation did not run: the run was interrupted while waiting for the probe to re-test; the fixes applied stay in place; left in place: nsg-allow-probe rule ${rule} on ${report.fixes[0]?.target}`,
    );
    const rebuilt = reportFromAudit(
      events.filter((e) => e.runId === report.runId),
      trail,
    ).report;
    expect(rebuilt.problems?.map((p) => p.kind)).toEqual(['interrupted']);
  }, 60_000);
  it('says to pass --ca-file when the endpoint’s self-signed certificate is not trusted', async () => {
    let out = '';
    let err = '';
    await withStandaloneSandbox(file, async (endpoint) => {
      // Act: the sandbox's endpoint without its CA.
      const code = await main(
        ['node', 'probe-doctor', 'diagnose', '--load-balancer', lbId, '--arm-endpoint', endpoint].concat([
          '--access-token-env',
          TOKEN_ENV,
          '--audit-log',
          join(dir, 'untrusted.jsonl'),
        ]),
        { out: (t) => void (out += t), err: (t) => void (err += t) },
      );

      // Assess
      expect(code).not.toBe(0);
    });
    expect(`${out}${err}`).toMatch(
      /SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY/,
    );
    expect(`${out}${err}`).toContain(
      "Next step: pass --ca-file with the CA that signed the endpoint's certificate (for `probe-doctor sandbox`, the CA file it prints at its start)",
    );
  }, 60_000);
});
