import { NetworkManagementClient } from '@azure/arm-network';
import { DefaultAzureCredential } from '@azure/identity';
import {
  createAzureClients,
  createClientFactory,
  createResourceGraphClient,
  sandboxCredential,
} from '../../src/azure/clients';

// Counts constructions only: building the default chain must never happen before a token is needed.
jest.mock('@azure/identity', () => ({ DefaultAzureCredential: jest.fn() }));

describe('createAzureClients', () => {
  beforeEach(() => jest.mocked(DefaultAzureCredential).mockClear());

  it('builds each client once, on first use', () => {
    // Prepare
    const clients = createAzureClients(
      { kind: 'sandbox', endpoint: 'https://127.0.0.1:1/', ca: 'pem' },
      'sub-1',
    );
    // Act
    const first = clients.network;
    const second = clients.network;
    // Assess
    expect(first).toBeInstanceOf(NetworkManagementClient);
    expect(second).toBe(first);
    expect(first.subscriptionId).toBe('sub-1');
  });

  it('does not build the default credential for a live target until a token is asked for', () => {
    // Prepare / Act
    const clients = createAzureClients({ kind: 'live' }, 'sub-1');
    void clients.network;
    void clients.compute;
    // Assess
    expect(DefaultAzureCredential).not.toHaveBeenCalled();
  });

  it.each([
    ['sandbox', { kind: 'sandbox', endpoint: 'https://127.0.0.1:1/', ca: 'pem' }],
    ['live', { kind: 'live' }],
  ] as const)('drops the SDK tracing policy from every %s client and keeps the rest', (_kind, target) => {
    // Prepare
    const clients = createAzureClients(target, 'sub-1');
    const all = {
      network: clients.network,
      compute: clients.compute,
      monitor: clients.monitor,
      resourceHealth: clients.resourceHealth,
      support: clients.support,
      resources: clients.resources,
      resourceGraph: createResourceGraphClient(target),
    };

    // Act
    const policies = Object.entries(all).map(([name, client]) => ({
      name,
      policies: client.pipeline.getOrderedPolicies().map((p) => p.name),
    }));

    // Assess: no span per request; retries, the token, our write guard and the logging stay.
    for (const { policies: names } of policies) {
      expect(names).not.toContain('tracingPolicy');
      expect(names).toEqual(
        expect.arrayContaining([
          'defaultRetryPolicy',
          'bearerTokenAuthenticationPolicy',
          'probeDoctorConditionalWritesOnly',
          'setClientRequestIdPolicy',
          'logPolicy',
        ]),
      );
    }
    expect(policies.map((p) => p.name)).toHaveLength(7);
  });

  it('gives the sandbox a static token', async () => {
    // Act
    const token = await sandboxCredential().getToken('https://management.azure.com/.default');
    // Assess
    expect(token?.token).toBe('sandbox');
    expect(token?.expiresOnTimestamp).toBeGreaterThan(Date.now());
  });
});

describe('createClientFactory', () => {
  it('keeps one set of clients per subscription, ids compared case-insensitively', () => {
    // Prepare
    const clientsFor = createClientFactory({ kind: 'sandbox', endpoint: 'https://127.0.0.1:1', ca: 'pem' });
    // Act
    const a = clientsFor('AAAA-1');
    const again = clientsFor('aaaa-1');
    const b = clientsFor('bbbb-2');
    // Assess
    expect(again).toBe(a);
    expect(b).not.toBe(a);
    expect(b.subscriptionId).toBe('bbbb-2');
  });
});
