/**
 * End to end over every shipped scenario: the sandbox serves the scenario over HTTPS, the real SDK
 * clients read it, the orchestrator runs on the local durable host, and the report must match the
 * scenario's `expect` block (written from Azure's documented semantics, not from this code).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLocally } from '../../src/app/localRun';
import { createRemediation } from '../../src/app/remediation';
import { MemoryAuditSink } from '../../src/audit/memorySink';
import { loadConfig } from '../../src/config';
import { idKey } from '../../src/model/ids';
import type { Report } from '../../src/model/report';
import { parseScenario } from '../../src/sandbox/scenario';
import { startSandbox } from '../../src/sandbox/server';

interface Expectation {
  loadBalancerId: string;
  verdict: Report['verdict'];
  fixVerdict?: Report['verdict'];
  causes: string[];
  backends: Record<string, string[]>;
  evidence?: Record<string, Record<string, Record<string, unknown>>>;
}

const dir = join(__dirname, '../../scenarios');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();

function load(file: string) {
  const json = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { expect: Expectation };
  return { scenario: parseScenario(json, file), expect: json.expect };
}

async function diagnose(file: string, mode: 'observe' | 'fix' = 'observe') {
  const { scenario, expect: expected } = load(file);
  const sandbox = await startSandbox({ scenario });
  try {
    const target = {
      kind: 'sandbox' as const,
      endpoint: sandbox.endpoint,
      ca: sandbox.ca,
      clock: sandbox.clock,
    };
    const config = loadConfig({});
    const { report } = await runLocally({
      input: { loadBalancerId: expected.loadBalancerId, mode },
      target,
      config,
      // Fix mode writes nothing without an audit trail; keep it in memory here.
      auditSink: new MemoryAuditSink(),
      remediation: createRemediation({ sleep: () => Promise.resolve(), pollIntervalMs: 1 }),
      evidence: { runCommandAttempts: 4, runCommandRetryDelayMs: 1 },
    });
    return { report, expected, sandbox, requests: [...sandbox.requestLog] };
  } finally {
    await sandbox.stop();
  }
}

/** Cause ids per backend, keyed by idKey of the IP configuration (or address) id. */
function causesByBackend(report: Report): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const b of report.backends) {
    out[idKey(b.ipConfigurationId ?? b.ipAddress ?? '')] = [...new Set(b.causes.map((c) => c.id))].sort();
  }
  return out;
}

describe('diagnose (observe) on every shipped scenario', () => {
  it('ships at least ten scenarios, one per cause id at least', () => {
    const seen = new Set<string>();
    for (const file of files) {
      const { expect: e } = load(file);
      e.causes.forEach((c) => seen.add(c));
      Object.values(e.backends).forEach((ids) => ids.forEach((c) => seen.add(c)));
    }
    expect(files.length).toBeGreaterThanOrEqual(10);
    expect([...seen].sort()).toEqual(
      [
        'backend-pool-empty',
        'guest-firewall-blocks-probe',
        'not-listening',
        'nsg-blocks-probe',
        'probe-endpoint-error',
        'probe-misconfigured',
        'route-diverts-probe',
        'unknown',
        'vm-not-running',
        'vm-unhealthy',
      ].sort(),
    );
  });

  it.each(files)('%s', async (file) => {
    const { report, expected } = await diagnose(file);

    expect(report.verdict).toBe(expected.verdict);
    // Who acts follows from the expected causes: Microsoft only when nothing found explains a backend
    // (`unknown`); a cause the customer owns gets the change to make, and no support ticket.
    const microsoft = Object.values(expected.backends).some((ids) => ids.includes('unknown'));
    if (expected.verdict === 'healthy') {
      expect(report.whoMustAct).toBe('nobody');
      expect(report.escalation).toBeUndefined();
    } else if (microsoft) {
      expect(report.whoMustAct).toBe('microsoft');
      expect(report.escalation?.supportTicket).toHaveProperty(
        'properties.technicalTicketDetails.resourceId',
        expected.loadBalancerId,
      );
      // Observe mode never escalates: the ticket is built for a person to file, never submitted.
      expect(report.escalation?.submitted).toBe(false);
    } else {
      expect(report.whoMustAct).toBe('customer');
      expect(report.escalation).toBeUndefined();
      expect(report.nextSteps?.length ?? 0).toBeGreaterThan(0);
    }
    expect(report.causes.map((c) => c.id).sort()).toEqual([...expected.causes].sort());
    const wanted = Object.fromEntries(
      Object.entries(expected.backends).map(([id, causes]) => [idKey(id), [...new Set(causes)].sort()]),
    );
    expect(causesByBackend(report)).toEqual(wanted);
    for (const [backendId, byCause] of Object.entries(expected.evidence ?? {})) {
      const backend = report.backends.find((b) => idKey(b.ipConfigurationId ?? '') === idKey(backendId));
      for (const [causeId, evidence] of Object.entries(byCause)) {
        const cause = backend?.causes.find((c) => c.id === causeId);
        expect(cause?.evidence).toMatchObject(
          Object.fromEntries(
            Object.entries(evidence).map(([k, v]) => [
              k,
              typeof v === 'string' && k.endsWith('Id')
                ? expect.stringMatching(new RegExp(`^${v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'i'))
                : v,
            ]),
          ),
        );
      }
    }
  });
});

describe('diagnose --fix on every scenario whose outcome Azure semantics settle', () => {
  const withFixVerdict = files.filter((f) => load(f).expect.fixVerdict !== undefined);

  it.each(withFixVerdict)('%s', async (file) => {
    const { report, expected, requests } = await diagnose(file, 'fix');

    expect(report.verdict).toBe(expected.fixVerdict);
    const writes = requests.filter(
      (r) => r.method === 'PUT' || r.method === 'DELETE' || r.method === 'PATCH',
    );
    if (expected.fixVerdict === 'resolved') {
      // Only security-rule writes, and only rules probe-doctor names as its own.
      expect(writes.length).toBeGreaterThan(0);
      for (const w of writes)
        expect(w.path).toMatch(/\/securityRules\/probe-doctor-allow-probe-\d+-[0-9a-f]{8}$/i);
      expect(report.fixes.filter((f) => f.status === 'applied').length).toBeGreaterThan(0);
    } else if (expected.fixVerdict === 'healthy') {
      expect(writes).toEqual([]);
      expect(report.escalation).toBeUndefined();
    } else if (expected.fixVerdict === 'escalated') {
      // Microsoft must look (a hidden failure): nothing written, the ticket built.
      expect(writes).toEqual([]);
      expect(report.whoMustAct).toBe('microsoft');
      expect(report.escalation?.supportTicket).toHaveProperty(
        'properties.technicalTicketDetails.resourceId',
        expected.loadBalancerId,
      );
    } else {
      // The customer must act (priority 100, an agent that is not ready, an empty pool, and everything
      // the default policy leaves to a person): nothing written, no ticket, the change to make named.
      expect(writes).toEqual([]);
      expect(report.whoMustAct).toBe('customer');
      expect(report.escalation).toBeUndefined();
      expect(report.nextSteps?.length ?? 0).toBeGreaterThan(0);
    }
  });
});
