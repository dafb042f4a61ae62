/**
 * The sandbox validates a security rule PUT the way the Network resource provider does, with ARM's
 * codes and messages (as Azure returned them in the public reports cited in src/sandbox/securityRules.ts),
 * through the real SDK over HTTPS: a client that branches on the code sees what it would see in Azure.
 */
import { isRestError } from '@azure/core-rest-pipeline';
import type { SecurityRule } from '@azure/arm-network';
import { startTestSandbox, type TestSandbox } from '../helpers/sandboxClients';
import { RG, miniScenario } from './miniScenario';

const valid: SecurityRule = {
  protocol: 'Tcp',
  access: 'Allow',
  direction: 'Inbound',
  priority: 3990,
  sourceAddressPrefix: 'AzureLoadBalancer',
  sourcePortRange: '*',
  destinationAddressPrefix: '*',
  destinationPortRange: '80',
};

let t: TestSandbox;
beforeAll(async () => {
  t = await startTestSandbox(miniScenario());
});
afterAll(() => t.stop());

async function put(
  name: string,
  rule: SecurityRule,
): Promise<{ status?: number; code?: string; message: string }> {
  try {
    await t.network.securityRules.beginCreateOrUpdateAndWait(RG, 'nsg-web', name, rule, {
      updateIntervalInMs: 1,
    });
    return { message: 'accepted' };
  } catch (err) {
    if (!isRestError(err)) throw err;
    return { status: err.statusCode, code: err.code, message: err.message };
  }
}

describe('security rule PUT validation (through the SDK)', () => {
  it('accepts a well-formed rule', async () => {
    expect(await put('allow-lb', valid)).toEqual({ message: 'accepted' });
  });

  it.each<[string, string, SecurityRule, string, RegExp]>([
    [
      'a port above 65535',
      'bad-port',
      { ...valid, priority: 3001, destinationPortRange: '65536' },
      'SecurityRuleInvalidPortRange',
      /^Security rule has invalid Port range\. Value provided: 65536\. Value should be an integer OR integer range with '-' delimiter\. Valid range 0-65535\.$/,
    ],
    [
      'a comma list in the singular port field',
      'bad-list',
      { ...valid, priority: 3002, destinationPortRange: '636, 389' },
      'SecurityRuleInvalidPortRange',
      /Value provided: 636, 389\./,
    ],
    [
      'a reversed range in the plural port field',
      'bad-range',
      { ...valid, priority: 3003, destinationPortRange: undefined, destinationPortRanges: ['80', '9-1'] },
      'SecurityRuleInvalidPortRange',
      /Value provided: 9-1\./,
    ],
    [
      'a service tag in a prefix list',
      'tag-in-list',
      {
        ...valid,
        priority: 3004,
        sourceAddressPrefix: undefined,
        sourceAddressPrefixes: ['10.0.0.0/8', 'VirtualNetwork'],
      },
      'SecurityRuleParameterContainsUnsupportedValue',
      /^Security rule parameter SourceAddressPrefix for rule with Id \/subscriptions\/.*\/securityRules\/tag-in-list cannot specify existing VIRTUALNETWORK, INTERNET, AZURELOADBALANCER, '\*' or system tags\. Unsupported value used: VirtualNetwork\.$/,
    ],
    [
      'no source at all',
      'no-source',
      { ...valid, priority: 3005, sourceAddressPrefix: undefined },
      'SecurityRuleParametersMissing',
      /Security rule must specify SourceAddressPrefixes, SourceAddressPrefix, or SourceApplicationSecurityGroups\.$/,
    ],
    [
      'a name ending in a dot',
      'bad-name.',
      { ...valid, priority: 3006 },
      'InvalidResourceName',
      /^Resource name \/subscriptions\/.*\/securityRules\/bad-name\. is invalid\. The name can be up to 80 characters long\./,
    ],
    [
      'a priority another inbound rule holds',
      'same-priority',
      { ...valid, priority: 3990 },
      'SecurityRuleConflict',
      /^Security rule same-priority conflicts with rule allow-lb\. Rules cannot have the same Priority and Direction\./,
    ],
    [
      'a priority below 100',
      'low-priority',
      { ...valid, priority: 99 },
      'SecurityRuleInvalidPriority',
      /Value provided: 99/,
    ],
  ])('refuses %s with 400 %s', async (_case, name, rule, code, message) => {
    // Act
    const answer = await put(name, rule);

    // Assess
    expect([answer.status, answer.code]).toEqual([400, code]);
    expect(answer.message).toMatch(message);
    const stored = await t.network.networkSecurityGroups.get(RG, 'nsg-web');
    expect(stored.securityRules?.map((r) => r.name)).not.toContain(name);
  });
});
