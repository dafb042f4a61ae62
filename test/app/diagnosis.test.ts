/**
 * The diagnose activity's join of evidence to checks: guest evidence collected for one probe is not
 * used to judge a rule with another probe; a run that stopped during the checks says a backend whose
 * checks never ran was not checked, in the diagnosis and the trail alike.
 */
import { diagnose } from '../../src/app/diagnosis';
import { auditDiagnosis, auditorFor } from '../../src/app/runAudit';
import { MemoryAuditSink } from '../../src/audit/memorySink';
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

describe('diagnose (activity) for a run that stopped during the checks', () => {
  // Two VMs down behind rule-web; only vm-web-1's check ran before the run stopped.
  const topology = webTopology({ vmCount: 2 }).build();
  const [checked, unchecked] = [backendOf(topology, 'vm-web-1-nic0'), backendOf(topology, 'vm-web-2-nic0')];
  const input = (runStopped: boolean): DiagnoseInput => ({
    run: { runId: 'r', loadBalancerId: topology.loadBalancer.id, mode: 'observe', trigger: 'cli' },
    topology,
    health: [
      {
        ruleId: ids.rule('rule-web'),
        up: 0,
        down: 2,
        backends: [checked, unchecked].map((b) => ({
          ruleId: ids.rule('rule-web'),
          source: 'rule-health' as const,
          ipConfigurationId: b.key,
          ipAddress: b.ipAddress,
          state: 'Down' as const,
          reason: 'Down_Probe_TcpProbeTimeout',
        })),
      },
    ],
    checks: [
      {
        backendKey: checked.key,
        result: ok({
          backendKey: checked.key,
          guest: guestEvidence({ listening: [] }),
          guestProbeId: ids.probe('probe-web'),
        }),
      },
    ],
    ...(runStopped ? { runStopped } : {}),
  });

  it('says the unchecked backend was not checked, in the diagnosis and in the trail, never unknown', async () => {
    // Act
    const diagnosis = diagnose(input(true));
    const sink = new MemoryAuditSink();
    await auditDiagnosis(auditorFor(sink, input(true).run), diagnosis);

    // Assess
    const byKey = new Map(diagnosis.backends.map((b) => [b.key, b]));
    expect(byKey.get(checked.key)?.causes.map((c) => c.id)).toEqual(['not-listening']);
    expect(byKey.get(unchecked.key)?.causes).toEqual([]);
    expect(byKey.get(unchecked.key)?.notes?.map((n) => n.id)).toEqual(['not-checked']);
    const causeFound = sink.events.filter((e) => e.name === 'ProbeDoctor.CauseFound');
    expect(causeFound.map((e) => (e as { causeId: string }).causeId)).toEqual(['not-listening']);
    const uncheckedEvent = sink.events.find(
      (e) => e.name === 'ProbeDoctor.BackendChecked' && (e as { backend?: string }).backend === unchecked.key,
    );
    expect(uncheckedEvent).toMatchObject({
      outcome: 'check-failed',
      reason: expect.stringMatching(/^this backend's checks did not run: the run stopped first/),
    });
  });

  it('calls the same backend unknown in a run that finished (its check failing is then a finding)', () => {
    const diagnosis = diagnose(input(false));

    const entry = diagnosis.backends.find((b) => b.key === unchecked.key);
    expect(entry?.causes.map((c) => c.id)).toEqual(['unknown']);
  });
});
