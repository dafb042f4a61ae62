/**
 * The sandbox target's TLS: its CA is parsed into one secure context per target, reused by every
 * connection (src/azure/trustedAgent.ts), and nothing but that CA is trusted. Real SDK clients over
 * HTTPS against a real sandbox.
 */
import tls from 'node:tls';
import { scaledScenario } from '../../bench/scaledScenario';
import { createClientFactory } from '../../src/azure/clients';
import { parseResourceId } from '../../src/azure/resourceId';
import { startSandbox, type Sandbox } from '../../src/sandbox/server';

describe('the sandbox target trusts its CA through one TLS context', () => {
  const scaled = scaledScenario(12, { failing: 2 });
  let sandbox: Sandbox;
  let other: Sandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({ scenario: scaled.scenario });
    // A second sandbox: its own self-signed certificate, from a CA the first target does not trust.
    other = await startSandbox({ scenario: scaled.scenario });
  });
  afterAll(async () => {
    await sandbox.stop();
    await other.stop();
  });
  afterEach(() => jest.restoreAllMocks());

  it('opens many connections at once on one secure context', async () => {
    // Prepare
    const createContext = jest.spyOn(tls, 'createSecureContext');
    const connect = jest.spyOn(tls, 'connect');
    const clients = createClientFactory({ kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca })(
      parseResourceId(scaled.loadBalancerId).subscriptionId,
    );
    const { resourceGroup } = parseResourceId(scaled.loadBalancerId);
    const nicNames = Array.from({ length: 8 }, (_, i) => `vm-bench-${String(i).padStart(3, '0')}-nic`);
    // Act: eight reads in flight together need eight connections.
    const nics = await Promise.all(
      nicNames.map((name) => clients.network.networkInterfaces.get(resourceGroup, name)),
    );
    // Assess
    expect(nics.map((n) => n.name)).toEqual(nicNames);
    expect(connect.mock.calls.length).toBeGreaterThan(1);
    expect(createContext).toHaveBeenCalledTimes(1);
  });

  it('refuses an endpoint whose certificate another CA signed', async () => {
    // Prepare: the first sandbox's CA, the second sandbox's endpoint.
    const clients = createClientFactory(
      { kind: 'sandbox', endpoint: other.endpoint, ca: sandbox.ca },
      { retryOptions: { maxRetries: 0 } },
    )(parseResourceId(scaled.loadBalancerId).subscriptionId);
    const { resourceGroup, name } = parseResourceId(scaled.loadBalancerId);
    // Act / Assess
    await expect(clients.network.loadBalancers.get(resourceGroup, name)).rejects.toThrow(
      /certificate|self[- ]signed|unable to verify/i,
    );
  });
});
