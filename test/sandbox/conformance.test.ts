/**
 * Conformance with Microsoft's own wire examples (/work/shared/arm-examples, see SOURCES.md): for
 * each example the sandbox serves, the sandbox's answer over HTTPS has the example's fields with the
 * example's JSON types.
 *
 * - Stored resources: a scenario whose resource IS the example's response body, read back by id.
 * - Derived answers (rule health, effective NSGs and routes, instance views, Network Watcher) and
 *   the security rule PUT: computed by the real views from the mini scenario, compared in shape.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { parseScenario } from '../../src/sandbox/scenario';
import { startSandbox, type Sandbox } from '../../src/sandbox/server';
import { ids, miniScenario } from './miniScenario';
import { shapeDiff } from './shape';

// Microsoft's own x-ms-examples (unchanged copies; test/fixtures/arm-examples/SOURCES.md names each source).
const EXAMPLES = join(__dirname, '..', 'fixtures', 'arm-examples');

interface Example {
  parameters: Record<string, unknown>;
  responses: Record<string, { body?: unknown }>;
}

function example(file: string): Example {
  return JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8')) as Example;
}

function exampleBody(file: string, status = '200'): Record<string, unknown> {
  return example(file).responses[status]?.body as Record<string, unknown>;
}

interface WireAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

function send(sandbox: Sandbox, method: string, url: string, body?: unknown): Promise<WireAnswer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url.startsWith('https://') ? url : `${sandbox.endpoint}${url}`,
      {
        method,
        ca: sandbox.ca,
        headers: {
          Authorization: 'Bearer sandbox',
          ...(payload ? { 'Content-Type': 'application/json' } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text ? (JSON.parse(text) as unknown) : undefined,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** A POST action followed by its Location polls, as a client would. */
async function action(sandbox: Sandbox, path: string, body: unknown): Promise<WireAnswer> {
  let answer = await send(sandbox, 'POST', path, body);
  while (answer.status === 202 && typeof answer.headers.location === 'string') {
    answer = await send(sandbox, 'GET', answer.headers.location);
  }
  return answer;
}

/**
 * Example fields the sandbox does not produce, each with why. Anything else missing fails the test.
 * Those marked "derive/" are gaps in the derived views (engineer C) to close later.
 */
const KNOWN_GAPS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'Microsoft.Network/NetworkInterfaces_ListEffectiveNetworkSecurityGroups.json': {
    '$.value[0].association.networkManager': 'Azure Virtual Network Manager only; not modelled',
    '$.value[0].association.networkInterface':
      "ARM gives one association per entry; the sandbox's first entry is the subnet's",
  },
  'Microsoft.Compute/VirtualMachines_InstanceView.json': {
    '$.platformUpdateDomain': 'placement detail; not modelled',
    '$.platformFaultDomain': 'placement detail; not modelled',
    '$.osVersion': 'derive/: not produced yet',
    '$.vmAgent.statuses[0].time': 'derive/: not produced yet',
    '$.vmAgent.extensionHandlers': 'extensions are not modelled',
    '$.disks': 'disks are not modelled',
    '$.bootDiagnostics': 'not enabled in scenarios',
    '$.extensions': 'extensions are not modelled',
    '$.hyperVGeneration': 'derive/: not produced yet',
    '$.patchStatus': 'patching is not modelled',
    '$.isVMInStandbyPool': 'standby pools are not modelled',
    '$.statuses[0].time': 'derive/: not produced yet',
  },
  'Microsoft.Compute/VirtualMachineScaleSetVMs_GetInstanceView.json': {
    '$.platformUpdateDomain': 'placement detail; not modelled',
    '$.platformFaultDomain': 'placement detail; not modelled',
    '$.vmAgent.statuses[0].time': 'derive/: not produced yet',
    '$.disks': 'disks are not modelled',
    '$.assignedHost': 'dedicated hosts are not modelled',
    '$.statuses[0].time': 'derive/: not produced yet',
  },
};

function unexplained(file: string, diff: string[]): string[] {
  const gaps = KNOWN_GAPS[file] ?? {};
  return diff.filter((line) => !Object.keys(gaps).some((path) => line === `${path}: missing`));
}

const withApi = (path: string, version: string): string => `${path}?api-version=${version}`;

describe('conformance with Microsoft ARM examples', () => {
  describe.each([
    ['Microsoft.Network/LoadBalancers_Get.json', '2025-05-01'],
    ['Microsoft.Network/NetworkInterfaces_Get.json', '2025-05-01'],
    ['Microsoft.Network/NetworkSecurityGroups_Get.json', '2025-05-01'],
    ['Microsoft.Compute/VirtualMachines_Get.json', '2026-03-01'],
    ['Microsoft.Compute/VirtualMachineScaleSetVMs_Get.json', '2026-03-01'],
  ])('%s', (file, apiVersion) => {
    it('serves the stored resource with the example shape', async () => {
      // Prepare
      const body = exampleBody(file);
      const sandbox = await startSandbox({ scenario: parseScenario({ name: file, resources: [body] }) });
      try {
        // Act
        const answer = await send(sandbox, 'GET', withApi(String(body.id), apiVersion));
        // Assess
        expect(answer.status).toBe(200);
        expect(shapeDiff(body, answer.body)).toEqual([]);
      } finally {
        await sandbox.stop();
      }
    });
  });

  it('Microsoft.Network/LoadBalancerLoadBalancingRules_List.json: lists the rules a load balancer holds', async () => {
    // Prepare: a load balancer holding the example's rule, under the id the rule names as its parent.
    const file = 'Microsoft.Network/LoadBalancerLoadBalancingRules_List.json';
    const body = exampleBody(file) as { value: { id: string }[] };
    const rule = body.value[0] as { id: string };
    const lbId = rule.id.replace(/\/loadBalancingRules\/[^/]+$/, '');
    const lb = {
      id: lbId,
      name: 'lb1',
      type: 'Microsoft.Network/loadBalancers',
      location: 'westus',
      sku: { name: 'Standard' },
      properties: { provisioningState: 'Succeeded', loadBalancingRules: body.value },
    };
    const sandbox = await startSandbox({ scenario: parseScenario({ name: file, resources: [lb] }) });
    try {
      // Act
      const answer = await send(sandbox, 'GET', withApi(`${lbId}/loadBalancingRules`, '2025-05-01'));
      // Assess
      expect(answer.status).toBe(200);
      expect(shapeDiff(body, answer.body)).toEqual([]);
    } finally {
      await sandbox.stop();
    }
  });

  describe('derived answers (real views, mini scenario)', () => {
    let sandbox: Sandbox;
    beforeAll(async () => {
      sandbox = await startSandbox({ scenario: miniScenario() });
    });
    afterAll(async () => {
      await sandbox.stop();
    });

    it.each([
      [
        'Microsoft.Network/LoadBalancerLoadBalancingRules_Health.json',
        () =>
          action(sandbox, withApi(`${ids.lb}/loadBalancingRules/rule-http/health`, '2025-05-01'), undefined),
      ],
      [
        'Microsoft.Network/NetworkInterfaces_ListEffectiveNetworkSecurityGroups.json',
        () => action(sandbox, withApi(`${ids.nic1}/effectiveNetworkSecurityGroups`, '2025-05-01'), undefined),
      ],
      [
        'Microsoft.Network/NetworkInterfaces_GetEffectiveRouteTable.json',
        () => action(sandbox, withApi(`${ids.nic1}/effectiveRouteTable`, '2025-05-01'), undefined),
      ],
      [
        'Microsoft.Network/NetworkWatchers_VerifyIPFlow.json',
        () =>
          action(sandbox, withApi(`${ids.watcher}/ipFlowVerify`, '2025-05-01'), {
            ...(example('Microsoft.Network/NetworkWatchers_VerifyIPFlow.json').parameters
              .parameters as object),
            targetResourceId: ids.vm1,
            localIPAddress: '10.0.0.4',
            direction: 'Inbound',
            remoteIPAddress: '168.63.129.16',
          }),
      ],
      [
        'Microsoft.Network/NetworkWatchers_CheckConnectivity.json',
        () =>
          action(sandbox, withApi(`${ids.watcher}/connectivityCheck`, '2025-05-01'), {
            source: { resourceId: ids.vm1 },
            destination: { address: '10.0.0.5', port: 80 },
          }),
      ],
      [
        'Microsoft.Compute/VirtualMachines_RunCommand.json',
        () =>
          action(sandbox, withApi(`${ids.vm1}/runCommand`, '2026-03-01'), {
            commandId: 'RunShellScript',
            script: ['ss -ltn'],
          }),
      ],
      [
        'Microsoft.Compute/VirtualMachines_InstanceView.json',
        () => send(sandbox, 'GET', withApi(`${ids.vm1}/instanceView`, '2026-03-01')),
      ],
      [
        'Microsoft.Compute/VirtualMachineScaleSetVMs_GetInstanceView.json',
        () => send(sandbox, 'GET', withApi(`${ids.vmssVm0}/instanceView`, '2026-03-01')),
      ],
    ])('%s', async (file, call) => {
      // Act
      const answer = await call();
      // Assess
      expect(answer.status).toBe(200);
      expect(unexplained(file, shapeDiff(exampleBody(file), answer.body))).toEqual([]);
    });

    it('Microsoft.Network/SecurityRules_CreateOrUpdate.json', async () => {
      // Prepare
      const file = 'Microsoft.Network/SecurityRules_CreateOrUpdate.json';
      const parameters = example(file).parameters.securityRuleParameters;
      // Act
      const answer = await send(
        sandbox,
        'PUT',
        withApi(`${ids.nsg}/securityRules/rule1`, '2025-05-01'),
        parameters,
      );
      // Assess
      expect(answer.status).toBe(201);
      expect(shapeDiff(exampleBody(file, '201'), answer.body)).toEqual([]);
    });
  });
});
