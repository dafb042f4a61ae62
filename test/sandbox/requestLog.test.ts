import { armOperationName } from '../../src/sandbox/requestLog';

const RG = '/subscriptions/s/resourceGroups/rg/providers';

describe('armOperationName', () => {
  it.each([
    ['GET', `${RG}/Microsoft.Network/loadBalancers/lb`, 'Microsoft.Network/loadBalancers/read'],
    ['GET', `${RG}/Microsoft.Network/loadBalancers`, 'Microsoft.Network/loadBalancers/read'],
    [
      'GET',
      '/subscriptions/s/providers/Microsoft.Compute/virtualMachines',
      'Microsoft.Compute/virtualMachines/read',
    ],
    [
      'GET',
      `${RG}/Microsoft.Network/loadBalancers/lb/probes/p`,
      'Microsoft.Network/loadBalancers/probes/read',
    ],
    [
      'PUT',
      `${RG}/Microsoft.Network/networkSecurityGroups/n/securityRules/r`,
      'Microsoft.Network/networkSecurityGroups/securityRules/write',
    ],
    [
      'DELETE',
      `${RG}/Microsoft.Network/networkSecurityGroups/n/securityRules/r`,
      'Microsoft.Network/networkSecurityGroups/securityRules/delete',
    ],
    [
      'POST',
      `${RG}/Microsoft.Network/loadBalancers/lb/loadBalancingRules/r/health`,
      'Microsoft.Network/loadBalancers/loadBalancingRules/health/action',
    ],
    [
      'POST',
      `${RG}/Microsoft.Compute/virtualMachines/vm/runCommand`,
      'Microsoft.Compute/virtualMachines/runCommand/action',
    ],
    [
      'GET',
      `${RG}/Microsoft.Compute/virtualMachines/vm/instanceView`,
      'Microsoft.Compute/virtualMachines/instanceView/read',
    ],
    [
      'GET',
      `${RG}/microsoft.Compute/virtualMachineScaleSets/ss/virtualMachines/0/networkInterfaces`,
      'Microsoft.Compute/virtualMachineScaleSets/virtualMachines/networkInterfaces/read',
    ],
    [
      'GET',
      `${RG}/Microsoft.Network/loadBalancers/lb/providers/Microsoft.Insights/metrics`,
      'Microsoft.Insights/metrics/read',
    ],
    [
      'GET',
      `${RG}/Microsoft.Compute/virtualMachines/vm/providers/Microsoft.ResourceHealth/availabilityStatuses/current`,
      'Microsoft.ResourceHealth/availabilityStatuses/read',
    ],
    [
      'PUT',
      '/subscriptions/s/providers/Microsoft.Support/supportTickets/t',
      'Microsoft.Support/supportTickets/write',
    ],
    [
      'GET',
      '/providers/Microsoft.Support/services/x/problemClassifications',
      'Microsoft.Support/services/problemClassifications/read',
    ],
    ['GET', '/subscriptions/s', 'Microsoft.Resources/subscriptions/read'],
    ['GET', '/subscriptions/s/resourcegroups', 'Microsoft.Resources/subscriptions/resourceGroups/read'],
    ['POST', '/providers/Microsoft.ResourceGraph/resources', 'Microsoft.ResourceGraph/resources/read'],
    ['GET', '/subscriptions/s/providers', undefined],
    ['POST', `${RG}/Microsoft.Network/loadBalancers/lb`, undefined],
  ])('%s %s -> %s', (method, path, expected) => {
    // Act
    const name = armOperationName(method, path);
    // Assess
    expect(name).toBe(expected);
  });
});
