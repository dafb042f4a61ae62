/**
 * Fake derived views for the server's own tests: each answer echoes its inputs, so a test proves the
 * server called the right view with the right resource, and counts calls.
 */
import { SandboxHttpError } from '../../src/sandbox/httpError';
import { findGuest, type SandboxState } from '../../src/sandbox/state';
import type { RunCommandInput, SandboxViews } from '../../src/sandbox/views';

export interface FakeViews extends SandboxViews {
  calls: string[];
}

export function fakeViews(): FakeViews {
  const calls: string[] = [];
  return {
    calls,
    vmInstanceView: (state: SandboxState, vmId: string) => {
      calls.push(`vmInstanceView ${vmId}`);
      const power = findGuest(state, vmId)?.powerState ?? 'running';
      return {
        computerName: vmId.split('/').pop(),
        statuses: [
          { code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded' },
          { code: `PowerState/${power}`, level: 'Info', displayStatus: `VM ${power}` },
        ],
      };
    },
    ruleHealth: (_s, lbId, ruleName) => {
      calls.push(`ruleHealth ${lbId} ${ruleName}`);
      return {
        up: 1,
        down: 0,
        loadBalancerBackendAddresses: [
          {
            ipAddress: '10.0.0.4',
            networkInterfaceIPConfigurationId: `${lbId}|${ruleName}`,
            state: 'Up',
            reason: 'Up_Probe_Success',
          },
        ],
      };
    },
    effectiveNetworkSecurityGroups: (_s, nicId) => {
      calls.push(`effectiveNetworkSecurityGroups ${nicId}`);
      return {
        value: [
          {
            networkSecurityGroup: { id: nicId },
            association: { networkInterface: { id: nicId } },
            effectiveSecurityRules: [],
          },
        ],
      };
    },
    effectiveRouteTable: (_s, nicId) => {
      calls.push(`effectiveRouteTable ${nicId}`);
      return {
        value: [
          {
            source: 'Default',
            state: 'Active',
            addressPrefix: ['10.0.0.0/16'],
            nextHopIpAddress: [],
            nextHopType: 'VnetLocal',
            name: nicId,
          },
        ],
      };
    },
    ipFlowVerify: (_s, body) => {
      calls.push(`ipFlowVerify ${JSON.stringify(body)}`);
      return { access: 'Allow', ruleName: `for ${(body as { localPort?: string }).localPort}` };
    },
    connectivityCheck: (_s, body) => {
      calls.push(`connectivityCheck ${JSON.stringify(body)}`);
      return {
        connectionStatus: 'Reachable',
        avgLatencyInMs: 1,
        minLatencyInMs: 1,
        maxLatencyInMs: 1,
        probesSent: 1,
        probesFailed: 0,
        hops: [],
      };
    },
    dipAvailabilityMetric: (_s, lbId) => {
      calls.push(`dipAvailabilityMetric ${lbId}`);
      return {
        cost: 0,
        timespan: 'PT1H',
        interval: 'PT1M',
        value: [],
        namespace: 'Microsoft.Network/loadBalancers',
        resourceregion: lbId,
      };
    },
    resourceHealth: (_s, id) => {
      calls.push(`resourceHealth ${id}`);
      return {
        id: `${id}/providers/Microsoft.ResourceHealth/availabilityStatuses/current`,
        name: 'current',
        properties: { availabilityState: 'Available' },
      };
    },
    runCommandResult: (state: SandboxState, vmId: string, input: RunCommandInput) => {
      calls.push(`runCommandResult ${vmId} ${input.commandId}`);
      const guest = findGuest(state, vmId);
      if (guest && guest.runCommandBusyTimes > 0) {
        guest.runCommandBusyTimes -= 1;
        throw new SandboxHttpError(
          409,
          'Conflict',
          'Run command extension execution is in progress. Please wait for completion before invoking a run command.',
        );
      }
      return {
        value: [
          {
            code: 'ComponentStatus/StdOut/succeeded',
            level: 'Info',
            displayStatus: 'Provisioning succeeded',
            message: `${guest?.powerState ?? 'none'} ${(input.script ?? []).join(';')}`,
          },
        ],
      };
    },
  };
}
