/**
 * One truth per scenario (issue 13, item 7): the sandbox follows each OS's own firewall semantics, so a
 * scenario means the same to the sandbox and to probe-doctor's parsers. The field case
 * x01-windows-firewall-allow-then-block (copied unedited into test/fixtures/cases/field/) lists Windows
 * entries "allow 443, 80, 3389, then deny everything": on Windows a Block rule overrides every Allow,
 * so the trailing catch-all deny is read as the profile's DefaultInboundAction=Block (the format's
 * `defaultInboundAction`), the probe reaches IIS and gets 404: `probe-endpoint-error`, as the case expects.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLocally } from '../../src/app/localRun';
import { createRemediation } from '../../src/app/remediation';
import { MemoryAuditSink } from '../../src/audit/memorySink';
import { loadConfig } from '../../src/config';
import type { Report } from '../../src/model/report';
import { parseScenario } from '../../src/sandbox/scenario';
import { startSandbox } from '../../src/sandbox/server';

import { idKey } from '../../src/model/ids';

interface FieldCase {
  expect: {
    loadBalancerId: string;
    verdict: Report['verdict'];
    fixVerdict: Report['verdict'];
    backends: Record<string, string[]>;
  };
}

const file = join(__dirname, '../fixtures/cases/field/x01-windows-firewall-allow-then-block.json');

async function diagnose(mode: 'observe' | 'fix') {
  const json = JSON.parse(readFileSync(file, 'utf8')) as FieldCase;
  const sandbox = await startSandbox({ scenario: parseScenario(json, file) });
  try {
    const { report } = await runLocally({
      input: { loadBalancerId: json.expect.loadBalancerId, mode },
      target: { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca, clock: sandbox.clock },
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

describe('x01: Windows firewall entries mean what Windows does with them', () => {
  it.each<['observe' | 'fix']>([['observe'], ['fix']])(
    '%s mode gives the expected causes and verdict',
    async (mode) => {
      const { json, report } = await diagnose(mode);
      // Written to the earlier contract (every unresolved run `escalated`); a cause the customer owns (the
      // site's answer) is now `action-required` for the customer, no ticket (the mapping and its rule:
      // fieldCases.test.ts, underCurrentContract).
      expect(mode === 'fix' ? json.expect.fixVerdict : json.expect.verdict).toBe('escalated');
      expect({ verdict: report.verdict, whoMustAct: report.whoMustAct }).toEqual({
        verdict: 'action-required',
        whoMustAct: 'customer',
      });
      expect(report.escalation).toBeUndefined();
      const byBackend = Object.fromEntries(
        report.backends.map((b) => [
          idKey(b.ipConfigurationId ?? ''),
          [...new Set(b.causes.map((c) => c.id))].sort(),
        ]),
      );
      expect(byBackend).toEqual(
        Object.fromEntries(
          Object.entries(json.expect.backends).map(([id, causes]) => [idKey(id), [...causes].sort()]),
        ),
      );
    },
  );
});
