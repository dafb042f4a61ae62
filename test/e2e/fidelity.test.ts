/**
 * The fidelity cases (copied unedited from the shared cases into test/fixtures/cases/fidelity/): random
 * scenarios where the product once disagreed with an independent reading of Microsoft's NSG docs. Each
 * file's `fidelity.views[].oracle` is that reading's verdict per backend. End to end: the sandbox serves
 * the scenario over HTTPS, the real SDK clients read it, the orchestrator runs on the local durable
 * host. A backend the oracle blocks that is down must get `nsg-blocks-probe` naming the deciding rule
 * at its level; a backend the oracle lets through gets no NSG cause.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLocally } from '../../src/app/localRun';
import { createRemediation } from '../../src/app/remediation';
import { MemoryAuditSink } from '../../src/audit/memorySink';
import { loadConfig } from '../../src/config';
import type { Report } from '../../src/model/report';
import { parseScenario } from '../../src/sandbox/scenario';
import { startSandbox } from '../../src/sandbox/server';

interface View {
  vm: string;
  ip: string;
  oracle: { allowed: boolean; nsgAllowed: boolean; admin: string | null; deciding: string | null };
}

interface FidelityCase {
  resources: { id: string; type: string }[];
  fidelity?: { views: View[] };
  expect?: { loadBalancerId: string; fixVerdict?: Report['verdict'] };
}

const dir = join(__dirname, '../fixtures/cases/fidelity');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();

function load(file: string) {
  const json = JSON.parse(readFileSync(join(dir, file), 'utf8')) as FidelityCase;
  const lb = json.resources.find((r) => r.type === 'Microsoft.Network/loadBalancers');
  if (!lb) throw new Error(`${file} has no load balancer`);
  return { json, scenario: parseScenario(json, file), loadBalancerId: lb.id };
}

async function diagnose(file: string, mode: 'observe' | 'fix') {
  const { json, scenario, loadBalancerId } = load(file);
  const sandbox = await startSandbox({ scenario });
  try {
    const { report } = await runLocally({
      input: { loadBalancerId, mode },
      target: { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca },
      config: loadConfig({}),
      auditSink: new MemoryAuditSink(),
      remediation: createRemediation({ sleep: () => Promise.resolve(), pollIntervalMs: 1 }),
      evidence: { runCommandAttempts: 4, runCommandRetryDelayMs: 1 },
    });
    return { json, report };
  } finally {
    await sandbox.stop();
  }
}

function isBasic(json: FidelityCase): boolean {
  const lb = json.resources.find((r) => r.type === 'Microsoft.Network/loadBalancers') as
    { sku?: { name?: string } } | undefined;
  return lb?.sku?.name === 'Basic';
}

/** `subnet:DenyAll` -> level and rule name. */
function deciding(text: string): { level: string; ruleName: string } {
  const [level, ...rest] = text.split(':');
  return { level: level ?? '', ruleName: rest.join(':') };
}

describe('every fidelity case diagnoses as its oracle says', () => {
  it('has cases to check', () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });

  it.each(files)('%s', async (file) => {
    const { json, report } = await diagnose(file, 'observe');
    const views = json.fidelity?.views ?? [];
    // Cases without views carry an expect block instead (checked below): every backend is blocked.
    const byIp = new Map(report.backends.map((b) => [b.ipAddress, b]));
    for (const view of views) {
      const backend = byIp.get(view.ip);
      expect(backend).toBeDefined();
      const nsgCauses = backend!.causes.filter((c) => c.id === 'nsg-blocks-probe');
      if (view.oracle.allowed) {
        expect(nsgCauses).toEqual([]);
        continue;
      }
      // Basic load balancers offer neither per-rule health nor per-backend metrics: the state is unknown.
      expect(backend!.probeState).toBe(isBasic(json) ? 'unknown' : 'down');
      const want = deciding(view.oracle.admin ?? view.oracle.deciding ?? '');
      expect(
        nsgCauses.map((c) => ({ level: c.evidence?.level, ruleName: c.evidence?.ruleName })),
      ).toContainEqual(want);
    }
    if (views.length === 0) {
      expect(report.backends.length).toBeGreaterThan(0);
      for (const b of report.backends) expect(b.causes.map((c) => c.id)).toContain('nsg-blocks-probe');
    }
  });

  const withFix = files.filter((f) => load(f).json.expect?.fixVerdict !== undefined);
  it.each(withFix)('%s --fix', async (file) => {
    const { json, report } = await diagnose(file, 'fix');
    expect(report.verdict).toBe(json.expect?.fixVerdict);
  });
});
