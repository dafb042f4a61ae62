/**
 * A running sandbox plus the REAL Azure SDK clients pointed at it over HTTPS, for tests:
 *
 *   const t = await startTestSandbox(scenario);
 *   try { await t.network.loadBalancers.get('rg', 'lb'); } finally { await t.stop(); }
 *
 * The clients trust the sandbox's self-signed certificate per client (`tlsOptions: { ca }`) and are
 * redirected with `endpoint`; the credential is a static token, so nothing reaches Azure or the
 * instance-metadata address.
 */
import { ComputeManagementClient } from '@azure/arm-compute';
import { NetworkManagementClient } from '@azure/arm-network';
import { MicrosoftSupport } from '@azure/arm-support';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/server';
import type { Scenario } from '../../src/sandbox/scenario';

/** Any token will do: the sandbox only checks that one is sent. */
export const staticCredential: TokenCredential = {
  getToken: (): Promise<AccessToken> =>
    Promise.resolve({ token: 'sandbox', expiresOnTimestamp: Date.now() + 3600e3 }),
};

export interface TestSandbox {
  sandbox: Sandbox;
  subscriptionId: string;
  network: NetworkManagementClient;
  compute: ComputeManagementClient;
  support: MicrosoftSupport;
  /** Client options that point any other ARM client at the sandbox. */
  clientOptions: { endpoint: string; tlsOptions: { ca: string } };
  stop(): Promise<void>;
}

/** The subscription of the scenario's first resource. */
export function scenarioSubscription(scenario: Scenario): string {
  const id = scenario.resources[0]?.id ?? '';
  return /^\/subscriptions\/([^/]+)/i.exec(id)?.[1] ?? '00000000-0000-0000-0000-000000000000';
}

/** Starts a sandbox for `scenario` and builds clients against it. Call `stop()` in `afterAll`/`finally`. */
export async function startTestSandbox(
  scenario: Scenario,
  options: Omit<SandboxOptions, 'scenario'> & { subscriptionId?: string } = {},
): Promise<TestSandbox> {
  const { subscriptionId = scenarioSubscription(scenario), ...sandboxOptions } = options;
  const sandbox = await startSandbox({ ...sandboxOptions, scenario });
  const clientOptions = { endpoint: sandbox.endpoint, tlsOptions: { ca: sandbox.ca } };
  return {
    sandbox,
    subscriptionId,
    network: new NetworkManagementClient(staticCredential, subscriptionId, clientOptions),
    compute: new ComputeManagementClient(staticCredential, subscriptionId, clientOptions),
    support: new MicrosoftSupport(staticCredential, subscriptionId, clientOptions),
    clientOptions,
    stop: () => sandbox.stop(),
  };
}
