/**
 * The field cases (test/fixtures/cases/field/, copied unedited from failures people reported in
 * public): each runs end to end in observe and fix mode, through the sandbox, the real SDK clients and
 * the local durable host, and must give what its `expect` and `expectNotes` say (the verdict mapped to
 * today's contract by {@link underCurrentContract}). x01's firewall semantics are checked further in
 * guestFirewallSemantics.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLocally } from '../../src/app/localRun';
import { createRemediation } from '../../src/app/remediation';
import { MemoryAuditSink } from '../../src/audit/memorySink';
import { loadConfig } from '../../src/config';
import { idKey } from '../../src/model/ids';
import type { Report } from '../../src/model/report';
import { parseScenario } from '../../src/sandbox/scenario';
import { startSandbox } from '../../src/sandbox/server';

interface FieldCase {
  expect: {
    loadBalancerId: string;
    verdict: Report['verdict'];
    fixVerdict: Report['verdict'];
    causes: string[];
    backends: Record<string, string[]>;
    evidence?: Record<string, Record<string, Record<string, unknown>>>;
  };
}

const DIR = join(__dirname, '..', 'fixtures', 'cases', 'field');
const CASES = [
  'r02-aks-ingress-403-header-filter',
  'r04-aks-subnet-nsg-deny-vnet',
  'r10-k8s-probe-on-stale-nodeport',
  'x02-aks-managed-nsg-deny',
  'x01-windows-firewall-allow-then-block',
];

function load(name: string) {
  const json = JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as FieldCase;
  return { scenario: parseScenario(json, `${name}.json`), expected: json.expect };
}

async function run(name: string, mode: 'observe' | 'fix') {
  const { scenario, expected } = load(name);
  const sandbox = await startSandbox({ scenario });
  try {
    const { report } = await runLocally({
      input: { loadBalancerId: expected.loadBalancerId, mode },
      target: { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca, clock: sandbox.clock },
      config: loadConfig({}),
      auditSink: new MemoryAuditSink(),
      remediation: createRemediation({ sleep: () => Promise.resolve(), pollIntervalMs: 1 }),
      evidence: { runCommandAttempts: 4, runCommandRetryDelayMs: 1 },
    });
    const writes = sandbox.requestLog.filter((r) => ['PUT', 'PATCH', 'DELETE'].includes(r.method));
    return { report, expected, writes };
  } finally {
    await sandbox.stop();
  }
}

const causeIds = (report: Report) =>
  Object.fromEntries(
    report.backends.map((b) => [
      idKey(b.ipConfigurationId ?? ''),
      [...new Set(b.causes.map((c) => c.id))].sort(),
    ]),
  );

const results = new Map<string, Awaited<ReturnType<typeof run>>>();
async function cached(name: string, mode: 'observe' | 'fix') {
  const key = `${name}|${mode}`;
  if (!results.has(key)) results.set(key, await run(name, mode));
  return results.get(key)!;
}

/**
 * The cases were written to the contract before issue #10, where every run that did not end healthy or
 * resolved was `escalated`. Today the verdict also says who must act (src/model/verdict.ts): a support
 * ticket (`escalated`, fix mode) only when Microsoft must look, `action-required` with `whoMustAct` and
 * `nextSteps` when the customer owns the change. The mapping is a rule over what each case itself says
 * is wrong, not a per-file exception:
 *
 * - a case's `healthy` / `resolved` stays as it is; nobody acts;
 * - a case's `escalated` whose expected causes are all ones the customer owns (every cause id but
 *   `unknown`: an NSG rule, an application's answer, a listener, ...) is `action-required` with
 *   `whoMustAct: customer`, the change in `nextSteps`, and no support ticket;
 * - a case's `escalated` with an `unknown` cause, or with none found at all, stays `escalated` in fix
 *   mode and is `action-required` with `whoMustAct: microsoft` in observe mode (observe never submits).
 *
 * Each case's expectNotes then say what the next step must be; {@link NEXT_STEPS} holds that per case.
 */
function underCurrentContract(
  expected: FieldCase['expect'],
  mode: 'observe' | 'fix',
): { verdict: Report['verdict']; whoMustAct: NonNullable<Report['whoMustAct']> } {
  const old = mode === 'fix' ? expected.fixVerdict : expected.verdict;
  if (old === 'healthy' || old === 'resolved') return { verdict: old, whoMustAct: 'nobody' };
  if (old !== 'escalated') throw new Error(`case verdict ${old} has no mapping`);
  const causes = [...expected.causes, ...Object.values(expected.backends).flat()];
  const customerOwned = causes.length > 0 && causes.every((c) => c !== 'unknown');
  if (customerOwned) return { verdict: 'action-required', whoMustAct: 'customer' };
  return { verdict: mode === 'fix' ? 'escalated' : 'action-required', whoMustAct: 'microsoft' };
}

/**
 * What each case's expectNotes say the next step is (a pattern every run of the case must print in
 * `nextSteps`), and what it must never say. Held per case because the notes are prose.
 */
const NEXT_STEPS: Record<string, { must: RegExp[]; never?: RegExp[] }> = {
  // "Must name the status (403) and say the application rejects the probe request itself; the next step
  // is to exempt /healthz (or requests from 168.63.129.16) ... Changing the probe path does not help."
  'r02-aks-ingress-403-header-filter': {
    must: [
      /answers 403 for Host [\d.]+ \(what the probe sends\): the application rejects the probe's request itself/,
      /exempt \/healthz, or requests from 168\.63\.129\.16/,
    ],
    never: [/request-?path/i],
  },
  // "The NSG fix is RIGHT here, on the customer-owned subnet NSG nsg-snet-aks-nodes (below 4010) ... must
  // bring the probe back either way (outrank both)": the rule outranks deny-internet (4000) as well.
  'r04-aks-subnet-nsg-deny-vnet': {
    must: [
      /add to NSG nsg-snet-aks-nodes rule probe-doctor-allow-probe-31380-[0-9a-f]{8} at priority 3999: Inbound Allow Tcp from AzureLoadBalancer/,
    ],
    never: [/aks-agentpool-27182818-nsg/],
  },
  // "the probe port is served NOWHERE while the same alternative listens everywhere ... the change belongs
  // in the Service / cloud-provider, not in Azure directly."
  'r10-k8s-probe-on-stale-nodeport': {
    must: [
      /targets port 30764, which no backend serves; port 32330 listens on every backend/,
      /do not edit the probe/,
    ],
    // The listing of what listens labels them `(management)`; nothing may offer them otherwise.
    never: [/\b(10250|22)\b(?! \(management\))/],
  },
  // "recommend removing the hand-made deny (or moving the restriction to a customer-owned subnet NSG)
  // instead of adding its own rule there."
  'x02-aks-managed-nsg-deny': {
    must: [
      /rule deny-all-inbound-hardening \(priority 4000\) is not the controller's own: remove it from aks-agentpool-27182818-nsg, or move the restriction to an NSG you own/,
    ],
  },
  // The probe reaches IIS and gets 404 (the health reason): the next step is about the site's binding.
  'x01-windows-firewall-allow-then-block': {
    must: [
      /answers 404 for Host [\d.]+ \(what the probe sends\): .*HTTP\(S\) probes send the backend's IP address as Host/,
    ],
    never: [/firewall/i],
  },
};

describe.each(CASES)('field case %s', (name) => {
  it.each(['observe', 'fix'] as const)(
    'gives the expected verdict, causes and evidence (%s)',
    async (mode) => {
      // Act
      const { report, expected, writes } = await cached(name, mode);

      // Assess
      const wanted = underCurrentContract(expected, mode);
      expect({ verdict: report.verdict, whoMustAct: report.whoMustAct }).toEqual(wanted);
      if (wanted.whoMustAct !== 'microsoft') expect(report.escalation).toBeUndefined();
      if (wanted.whoMustAct === 'customer') {
        const steps = (report.nextSteps ?? []).join('\n');
        for (const pattern of NEXT_STEPS[name]?.must ?? []) expect(steps).toMatch(pattern);
        for (const pattern of NEXT_STEPS[name]?.never ?? []) expect(steps).not.toMatch(pattern);
      }
      // Only a fix the case calls right may write, and only in fix mode.
      if (mode === 'observe' || expected.fixVerdict !== 'resolved') expect(writes).toEqual([]);
      expect(report.causes.map((c) => c.id).sort()).toEqual([...expected.causes].sort());
      if (mode === 'observe' || expected.fixVerdict !== 'resolved') {
        expect(causeIds(report)).toEqual(
          Object.fromEntries(Object.entries(expected.backends).map(([k, v]) => [idKey(k), [...v].sort()])),
        );
      } else {
        // Resolved: every backend the case names was proven up after the fix.
        const after = Object.fromEntries(
          (report.validation ?? []).map((v) => [idKey(v.backendKey), v.health]),
        );
        for (const backendId of Object.keys(expected.backends)) expect(after[idKey(backendId)]).toBe('Up');
      }
      for (const [backendId, byCause] of Object.entries(expected.evidence ?? {})) {
        const backend = report.backends.find((b) => idKey(b.ipConfigurationId ?? '') === idKey(backendId));
        for (const [causeId, evidence] of Object.entries(byCause)) {
          const cause = backend?.causes.find((c) => c.id === causeId);
          for (const [k, v] of Object.entries(evidence)) {
            const actual = cause?.evidence?.[k];
            if (typeof v === 'string' && k.endsWith('Id')) expect(idKey(String(actual))).toBe(idKey(v));
            else expect(actual).toEqual(v);
          }
        }
      }
    },
  );
});

describe('r04 in fix mode: a fix on a Basic load balancer is proven without per-rule health', () => {
  it('re-runs the cause checks after the fix (Basic has no per-rule health) and sees every backend up', async () => {
    // Act
    const { report } = await cached('r04-aks-subnet-nsg-deny-vnet', 'fix');

    // Assess
    expect(report.validation?.length).toBe(3);
    for (const v of report.validation ?? []) {
      expect(v).toMatchObject({ health: 'Up', decidedBy: 'checks-rerun' });
    }
  });
});

describe('controller-owned resources (x02, r04)', () => {
  it('never writes to the AKS-managed NSG, and says where the change belongs', async () => {
    // Act
    const { report, writes } = await cached('x02-aks-managed-nsg-deny', 'fix');

    // Assess
    expect(writes).toEqual([]);
    const nsgFix = report.fixes.find((f) => f.kind === 'nsg-allow-probe');
    expect(nsgFix?.status).toBe('skipped');
    expect(nsgFix?.target).toMatch(
      /\/resourceGroups\/MC_[^/]+\/providers\/Microsoft.Network\/networkSecurityGroups\/aks-agentpool-27182818-nsg$/i,
    );
    expect(nsgFix?.reason).toMatch(/owned by AKS cluster aks-vdc/);
    expect(nsgFix?.reason).toMatch(
      /remove it .*deny-all-inbound-hardening|deny-all-inbound-hardening.*remove it/,
    );
    expect(report.notes?.filter((n) => n.id === 'controller-owned').map((n) => n.summary)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^load balancer kubernetes-internal is owned by AKS cluster aks-vdc/),
      ]),
    );
  });

  it('writes the allow to the customer-owned subnet NSG of the AKS node subnet, never into MC_', async () => {
    // Act
    const { writes, report } = await cached('r04-aks-subnet-nsg-deny-vnet', 'fix');

    // Assess
    expect(writes.length).toBeGreaterThan(0);
    for (const w of writes) {
      expect(w.path).toMatch(
        /\/resourceGroups\/rg-vdc-spoke-aks\/providers\/Microsoft.Network\/networkSecurityGroups\/nsg-snet-aks-nodes\/securityRules\/probe-doctor-allow-probe-31380-[0-9a-f]{8}$/i,
      );
    }
    expect(report.fixes.filter((f) => f.status === 'applied').map((f) => f.target.split('/').pop())).toEqual([
      'nsg-snet-aks-nodes',
    ]);
  });
});

describe('every probe of a backend, checked (r02)', () => {
  it('gives each rule its own evidence from one Run Command per VM, and the next step for a 403', async () => {
    // Act
    const { report, writes } = await cached('r02-aks-ingress-403-header-filter', 'observe');

    // Assess
    expect(writes).toEqual([]);
    for (const backend of report.backends) {
      const ports = backend.causes
        .filter((c) => c.id === 'probe-endpoint-error')
        .map((c) => [c.evidence?.port, c.evidence?.status]);
      expect(ports.sort()).toEqual([
        [30029, 403],
        [30048, 403],
      ]);
    }
    const steps = report.fixes.filter((f) => f.kind === 'recommendation').map((f) => f.reason ?? '');
    expect(steps.length).toBeGreaterThan(0);
    for (const step of steps) {
      expect(step).toMatch(
        /answers 403 for Host [\d.]+ \(what the probe sends\): the application rejects the probe's request itself/,
      );
      expect(step).toMatch(/exempt \/healthz, or requests from 168\.63\.129\.16, from that check/);
      // The snippet applies to every location: another path would not help.
      expect(step).not.toMatch(/requestPath|request-path/);
    }
  });

  it('sends one Run Command per VM for the two probes', async () => {
    // Prepare
    const { scenario, expected } = load('r02-aks-ingress-403-header-filter');
    const sandbox = await startSandbox({ scenario });
    try {
      // Act
      await runLocally({
        input: { loadBalancerId: expected.loadBalancerId, mode: 'observe' },
        target: { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca, clock: sandbox.clock },
        config: loadConfig({}),
        auditSink: new MemoryAuditSink(),
        remediation: createRemediation({ sleep: () => Promise.resolve(), pollIntervalMs: 1 }),
        evidence: { runCommandAttempts: 4, runCommandRetryDelayMs: 1 },
      });

      // Assess
      const runCommands = sandbox.requestLog.filter(
        (r) => r.method === 'POST' && /\/runCommand$/i.test(r.path),
      );
      expect(runCommands.map((r) => r.path.split('/virtualMachines/')[1]).sort()).toEqual([
        '0/runCommand',
        '1/runCommand',
      ]);
    } finally {
      await sandbox.stop();
    }
  });
});

describe('advice grounded in evidence (r10)', () => {
  it('makes one load-balancer finding of a probe port served nowhere, and never suggests a management port', async () => {
    // Act
    const { report, writes } = await cached('r10-k8s-probe-on-stale-nodeport', 'observe');

    // Assess
    expect(writes).toEqual([]);
    const note = report.notes?.find((n) => n.id === 'probe-port-served-nowhere');
    expect(note?.summary).toMatch(
      /port 30764, which nothing listens on at any of the 3 backends, while port 32330 .*listens on every one of them/,
    );
    const recommendations = report.fixes.filter((f) => f.kind === 'recommendation');
    expect(recommendations).toHaveLength(1);
    const [only] = recommendations;
    expect(only?.target).toMatch(/\/probes\/a1b2c3d4e5f611e7a0b1000d3a2b4c5d-TCP-80$/);
    expect(only?.reason).toMatch(
      /owned by the Kubernetes cloud provider, which rewrites its probes: do not edit the probe/,
    );
    expect(only?.reason).toMatch(/port 32330 listens on every backend/);
    for (const f of report.fixes) expect(f.reason ?? '').not.toMatch(/\b(10250|22)\b/);
  });
});
