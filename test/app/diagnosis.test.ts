/**
 * The diagnose activity's join of evidence to checks: guest evidence collected for one probe is not
 * used to judge a rule with another probe.
 */
import { diagnose } from '../../src/app/diagnosis';
import { ok } from '../../src/model/result';
import type { DiagnoseInput } from '../../src/workflow/contracts';
import { guestEvidence } from '../helpers/evidenceBuilder';
import { backendOf, ids, webTopology } from '../helpers/topologyBuilder';

describe('diagnose (activity)', () => {
  it('uses guest evidence only for the probe it was collected for', () => {
    // Prepare: one VM behind two rules; rule-api's probe is on 8443, where nothing listens.
    const topology = webTopology()
      .probe({ name: 'probe-api', protocol: 'Tcp', port: 8443 })
      .rule({ name: 'rule-api', probe: 'probe-api', pools: ['pool-web'], backendPort: 8443 })
      .build();
    const backend = backendOf(topology, 'vm-web-1-nic0');
    const down = (rule: string) => ({
      ruleId: ids.rule(rule),
      source: 'rule-health' as const,
      ipConfigurationId: backend.key,
      ipAddress: backend.ipAddress,
      state: 'Down' as const,
      reason: 'Down_Probe_TcpProbeTimeout',
    });
    const input: DiagnoseInput = {
      run: { runId: 'r', loadBalancerId: topology.loadBalancer.id, mode: 'observe', trigger: 'cli' },
      topology,
      health: ['rule-web', 'rule-api'].map((rule) => ({
        ruleId: ids.rule(rule),
        up: 0,
        down: 1,
        backends: [down(rule)],
      })),
      checks: [
        {
          backendKey: backend.key,
          result: ok({
            backendKey: backend.key,
            // Collected for probe-web (port 80): nothing listens there either.
            guest: guestEvidence({ listening: [] }),
            guestProbeId: ids.probe('probe-web'),
          }),
        },
      ],
    };

    // Act
    const diagnosis = diagnose(input);

    // Assess: not-listening is claimed for port 80 only; for 8443 the guest is reported unchecked.
    const [entry] = diagnosis.backends;
    const notListening = entry?.causes.filter((c) => c.id === 'not-listening') ?? [];
    expect(notListening.map((c) => c.evidence?.port)).toEqual([80]);
    expect(
      entry?.notes?.some((n) =>
        n.summary.includes('checked for probe probe-web only, not for probe probe-api'),
      ),
    ).toBe(true);
  });
});
