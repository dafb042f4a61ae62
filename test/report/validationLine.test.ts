/**
 * A backend's validation in one line (src/report/facts.ts): "disagree" only when a peer test ran and
 * said otherwise than the health; without a peer test the health alone decides, and the line says why
 * no peer test ran (a new-user trial read "disagree" as two checks that contradicted each other).
 */
import type { BackendValidation } from '../../src/model/report';
import { validationLine } from '../../src/report/facts';

const peer = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-peer';

describe('validationLine', () => {
  it.each<[string, BackendValidation, string]>([
    [
      'both agree',
      {
        backendKey: 'k',
        ipAddress: '10.0.0.4',
        health: 'Up',
        healthReason: 'Up_Probe_Success',
        tcp: {
          reachable: true,
          latencyMs: 2,
          tool: 'bash-dev-tcp',
          detail: 'open',
          peerVmId: peer,
          port: 80,
        },
        agree: true,
      },
      'peer vm-peer -> 10.0.0.4:80 reachable in 2 ms (bash-dev-tcp: open); health Up (Up_Probe_Success)',
    ],
    [
      'the peer test says otherwise',
      {
        backendKey: 'k',
        ipAddress: '10.0.0.4',
        health: 'Up',
        tcp: { reachable: false, tool: 'nc', detail: 'timed out', peerVmId: peer, port: 80 },
        agree: false,
        explanation: 'clients are denied where the probe is not',
      },
      'peer vm-peer -> 10.0.0.4:80 unreachable (nc: timed out); health Up; disagree: clients are denied where the probe is not',
    ],
    [
      'no peer test ran',
      {
        backendKey: 'k',
        health: 'Up',
        healthReason: 'Up_Probe_Success',
        agree: false,
        explanation: 'no healthy running peer VM in the same virtual network',
      },
      'no peer TCP test; health Up (Up_Probe_Success); the health alone decides (no peer test: no healthy running peer VM in the same virtual network)',
    ],
    [
      'no peer test and no health to decide with',
      {
        backendKey: 'k',
        health: 'Unknown',
        decidedBy: 'checks-rerun',
        agree: false,
        explanation: 'a Basic load balancer has no per-rule health, and the checks could not be re-run',
      },
      'no peer TCP test; health Unknown; nothing decides (no peer test: a Basic load balancer has no per-rule health, and the checks could not be re-run)',
    ],
  ])('%s', (_case, validation, line) => {
    // Act / Assess
    expect(validationLine(validation)).toBe(line);
  });
});
