import { detectOwner } from '../../src/azure/ownership';

const SUB = '/subscriptions/0f0e0d0c-0b0a-4909-8807-060504030201';
const nsg = (rg: string, name = 'nsg-a') =>
  `${SUB}/resourceGroups/${rg}/providers/Microsoft.Network/networkSecurityGroups/${name}`;
const lb = (rg: string, name: string) =>
  `${SUB}/resourceGroups/${rg}/providers/Microsoft.Network/loadBalancers/${name}`;

describe('detectOwner', () => {
  it.each([
    [
      'AKS node resource group by its default name',
      { id: nsg('MC_rg-web_aks-web_westeurope') },
      { controller: 'aks', cluster: 'aks-web' },
    ],
    [
      'a custom node resource group through its managedBy',
      {
        id: nsg('rg-nodes'),
        resourceGroup: {
          managedBy: `${SUB}/resourceGroups/rg-web/providers/Microsoft.ContainerService/managedClusters/aks-web`,
        },
      },
      { controller: 'aks', cluster: 'aks-web' },
    ],
    [
      'the AKS cluster tag on a load balancer',
      {
        id: lb('rg-x', 'lb-1'),
        tags: { 'aks-managed-cluster-name': 'aks-web', 'aks-managed-cluster-rg': 'rg-web' },
      },
      { controller: 'aks', cluster: 'aks-web' },
    ],
    [
      'a Service tag on a frontend public IP',
      {
        id: lb('rg-x', 'lb-1'),
        frontendTags: [{ 'k8s-azure-service': 'ingress/nginx', 'k8s-azure-cluster-name': 'kubernetes' }],
      },
      { controller: 'kubernetes', cluster: 'kubernetes', services: ['ingress/nginx'] },
    ],
    [
      "the cloud provider's load balancer name",
      { id: lb('rg-x', 'kubernetes-internal'), name: 'kubernetes-internal', isLoadBalancer: true },
      { controller: 'kubernetes' },
    ],
    [
      'rule names built from a Service UID',
      {
        id: lb('rg-k8s', 'rg-k8s'),
        name: 'rg-k8s',
        isLoadBalancer: true,
        childNames: ['a1b2c3d4e5f611e7a0b1000d3a2b4c5d-TCP-80'],
      },
      { controller: 'kubernetes' },
    ],
    [
      'Cluster API tags',
      { id: nsg('rg-capi'), tags: { 'sigs.k8s.io_cluster-api-provider-azure_cluster_capz-1': 'owned' } },
      { controller: 'cluster-api', cluster: 'capz-1' },
    ],
    [
      'Service Fabric template tags',
      { id: lb('rg-sf', 'LB-sf'), tags: { resourceType: 'Service Fabric', clusterName: 'sf-prod' } },
      { controller: 'service-fabric', cluster: 'sf-prod' },
    ],
    [
      'another managedBy owner',
      {
        id: nsg('rg-app'),
        managedBy: `${SUB}/resourceGroups/rg-app/providers/Microsoft.Solutions/applications/app1`,
      },
      { controller: 'managed-by' },
    ],
  ])('%s', (_what, input, expected) => {
    // Act
    const owner = detectOwner(input);

    // Assess
    expect(owner).toMatchObject(expected);
    expect(owner?.evidence.length).toBeGreaterThan(0);
  });

  it.each([
    ['a customer NSG in an ordinary resource group', { id: nsg('rg-vdc-spoke-aks', 'nsg-snet-aks-nodes') }],
    ['a resource group whose name only contains MC', { id: nsg('rg-MC_like') }],
    [
      'an ordinary load balancer with ordinary rule names',
      {
        id: lb('rg-web', 'lb-web'),
        name: 'lb-web',
        isLoadBalancer: true,
        childNames: ['rule-http', 'probe-http'],
      },
    ],
    ['ordinary tags', { id: nsg('rg-web'), tags: { env: 'prod', owner: 'web-team' } }],
  ])('nothing for %s', (_what, input) => {
    expect(detectOwner(input)).toBeUndefined();
  });
});
