import { NetworkManagementClient } from '@azure/arm-network';
import { DefaultAzureCredential } from '@azure/identity';
import { createAzureClients, createClientFactory, sandboxCredential } from '../../src/azure/clients';

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
