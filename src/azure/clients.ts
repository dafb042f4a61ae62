/**
 * The one place SDK clients are built. A run targets either the local sandbox (HTTPS on loopback, a
 * self-signed CA, a static token) or live Azure (a caller's credential, or the default chain).
 * Clients are built lazily, so a run that never reads metrics never constructs a monitor client.
 */
import { ComputeManagementClient } from '@azure/arm-compute';
import { MonitorClient } from '@azure/arm-monitor';
import { NetworkManagementClient } from '@azure/arm-network';
import { ResourceGraphClient } from '@azure/arm-resourcegraph';
import { MicrosoftResourceHealth } from '@azure/arm-resourcehealth';
import { ResourceManagementClient } from '@azure/arm-resources';
import { MicrosoftSupport } from '@azure/arm-support';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import type { Pipeline, PipelinePolicy, PipelineRetryOptions } from '@azure/core-rest-pipeline';
import { DefaultAzureCredential } from '@azure/identity';
import { idKey } from '../model/ids';
import { agentTrusting, useAgentPolicy } from './trustedAgent';
import { nextMacrotask } from '../util/nextMacrotask';

/** Where the clients send their requests. */
export type AzureTarget =
  | {
      kind: 'sandbox';
      /** The sandbox's base URL, e.g. `https://127.0.0.1:8443`. */
      endpoint: string;
      /** PEM of the sandbox's self-signed certificate, trusted by these clients only. */
      ca: string;
      /**
       * The sandbox's clock, when it runs in this process and the run may move it (clock.ts): the
       * local host then skips waits by advancing it. Without it every wait is real (wall time).
       */
      clock?: { now(): number; advanceTo?(epochMs: number): void; onJump?(listener: () => void): () => void };
    }
  | {
      kind: 'live';
      /** Defaults to `DefaultAzureCredential` (for the cloud's authority), built on first use. */
      credential?: TokenCredential;
      /** The Azure cloud; default AzureCloud. Picks the ARM endpoint and the sign-in authority. */
      cloud?: AzureCloudName;
      /**
       * An ARM endpoint of its own (Azure Stack Hub, a private or emulated endpoint), overriding the
       * cloud's. Tokens are asked for its `/.default` scope, as the SDK derives it from the endpoint.
       */
      endpoint?: string;
      /** PEM of a private CA that signed the endpoint's certificate (trusted by these clients only). */
      ca?: string;
    };

/**
 * The Azure clouds `--cloud` names, as Azure CLI spells them, with their ARM endpoints and Microsoft
 * Entra sign-in authorities (the values of azure-identity's `AzureAuthorityHosts`).
 */
export const AZURE_CLOUDS = {
  AzureCloud: { arm: 'https://management.azure.com', authorityHost: 'https://login.microsoftonline.com' },
  AzureChinaCloud: {
    arm: 'https://management.chinacloudapi.cn',
    authorityHost: 'https://login.chinacloudapi.cn',
  },
  AzureUSGovernment: {
    arm: 'https://management.usgovcloudapi.net',
    authorityHost: 'https://login.microsoftonline.us',
  },
} as const;

export type AzureCloudName = keyof typeof AZURE_CLOUDS;

/** Whether `name` is one of {@link AZURE_CLOUDS}. */
export function isAzureCloudName(name: string): name is AzureCloudName {
  return Object.prototype.hasOwnProperty.call(AZURE_CLOUDS, name);
}

/**
 * A credential that hands out one bearer token obtained elsewhere (e.g. `az account get-access-token
 * --resource <endpoint>` for Azure Stack Hub, or any token a private endpoint accepts). It never
 * refreshes: the run fails with the endpoint's 401 once the token expires.
 */
export function staticTokenCredential(
  token: string,
  expiresOnTimestamp = Date.now() + 60 * 60 * 1000,
): TokenCredential {
  return { getToken: (): Promise<AccessToken> => Promise.resolve({ token, expiresOnTimestamp }) };
}

/** The SDK clients for one subscription, each built on first access. */
export interface AzureClients {
  readonly subscriptionId: string;
  readonly network: NetworkManagementClient;
  readonly compute: ComputeManagementClient;
  readonly monitor: MonitorClient;
  readonly resourceHealth: MicrosoftResourceHealth;
  readonly support: MicrosoftSupport;
  /** Microsoft.Resources: resource groups (their `managedBy`). */
  readonly resources: ResourceManagementClient;
}

/** Options shared by every client of a target. */
export interface AzureClientOptions {
  /**
   * Retry of transient failures. The SDK's throttling policy honours Retry-After on 429/503 on its
   * own; this bounds the exponential retry of other transient errors (5xx, connection resets).
   */
  retryOptions?: PipelineRetryOptions;
  /**
   * Aborts every request of these clients that is still in flight or waiting to retry (a
   * `Retry-After` pause included): a run that ended on a deadline stops the calls it abandoned.
   */
  abortSignal?: AbortSignal;
}

/** Gives each request the shared abort signal unless the caller set its own. */
export function abortWithPolicy(signal: AbortSignal): PipelinePolicy {
  return {
    name: 'probeDoctorAbortWith',
    sendRequest: (request, next) => {
      request.abortSignal ??= signal;
      return next(request);
    },
  };
}

/**
 * An in-process sandbox whose clock this run may move lets the pipeline skip a `Retry-After` wait the
 * way the local durable host skips a timer: the clock moves forward by the wait, and the header the
 * retry policy reads says 0, so the sandbox sees the time pass and the run does not sleep it. Runs as
 * a per-retry policy (inside the retry policy, so it sees every attempt's answer first). Only 429
 * and 503 with Retry-After in seconds are touched: the ones the pipeline's throttling strategy waits
 * out (core-rest-pipeline `throttlingRetryStrategy`).
 */
export function skipRetryAfterPolicy(clock: {
  advanceTo(epochMs: number): void;
  now(): number;
}): PipelinePolicy {
  return {
    name: 'probeDoctorSandboxSkipsRetryAfter',
    sendRequest: async (request, next) => {
      const response = await next(request);
      const value = response.headers.get('retry-after')?.trim();
      if ((response.status === 429 || response.status === 503) && value && /^\d+$/.test(value)) {
        clock.advanceTo(clock.now() + Number(value) * 1000);
        response.headers.set('retry-after', '0');
        // One turn of the event loop first: whatever the skipped time made due (a deadline's timer on
        // the local host) runs before the retry, as it would have during a real wait.
        await nextMacrotask();
      }
      return response;
    },
  };
}

/**
 * Five retries reach past a short burst of throttling without hiding a real outage; the delay cap
 * keeps one read from stalling a run for minutes. This is the only retry layer for what the pipeline
 * retries (429/503 with Retry-After, 408, 5xx, dropped connections): no loop and no durable
 * RetryOptions retry those again (src/remediate/retry.ts, src/workflow/orchestrator.ts).
 */
export const DEFAULT_RETRY_OPTIONS: Readonly<PipelineRetryOptions> = {
  maxRetries: 5,
  retryDelayInMs: 500,
  maxRetryDelayInMs: 16_000,
};

/** A token the sandbox accepts: it checks that one is sent, not what it says. */
export function sandboxCredential(): TokenCredential {
  return {
    getToken: (): Promise<AccessToken> =>
      Promise.resolve({ token: 'sandbox', expiresOnTimestamp: Date.now() + 60 * 60 * 1000 }),
  };
}

/**
 * Wraps the default chain so it is built only when a token is first asked for: building it is cheap,
 * but it must never exist in a sandbox run, where its managed-identity probe would reach for the
 * instance-metadata address.
 */
function lazyDefaultCredential(authorityHost?: string): TokenCredential {
  let inner: DefaultAzureCredential | undefined;
  return {
    getToken: (scopes, options) => {
      inner ??= new DefaultAzureCredential(authorityHost ? { authorityHost } : {});
      return inner.getToken(scopes, options);
    },
  };
}

/**
 * Condition headers belong to the write only. The SDK re-sends an operation's options on every poll of
 * a long-running write, and the final GET of the resource would then carry the old If-Match and fail
 * with 412 once the write changed the etag.
 */
export const conditionalWritesOnlyPolicy: PipelinePolicy = {
  name: 'probeDoctorConditionalWritesOnly',
  sendRequest: (request, next) => {
    if (request.method === 'GET') {
      request.headers.delete('If-Match');
      request.headers.delete('If-None-Match');
    }
    return next(request);
  },
};

interface ResolvedTarget {
  credential: TokenCredential;
  /** Options every client accepts (core-client ServiceClientOptions and @azure-rest ClientOptions). */
  options: {
    endpoint?: string;
    tlsOptions?: { ca: string };
    retryOptions: PipelineRetryOptions;
    additionalPolicies: { policy: PipelinePolicy; position: 'perCall' | 'perRetry' }[];
  };
}

function resolveTarget(target: AzureTarget, options: AzureClientOptions): ResolvedTarget {
  const retryOptions = { ...DEFAULT_RETRY_OPTIONS, ...options.retryOptions };
  const additionalPolicies: ResolvedTarget['options']['additionalPolicies'] = [
    { policy: conditionalWritesOnlyPolicy, position: 'perCall' },
  ];
  if (options.abortSignal) {
    additionalPolicies.push({ policy: abortWithPolicy(options.abortSignal), position: 'perCall' });
  }
  if (target.kind === 'sandbox') {
    const clock = target.clock;
    if (clock?.advanceTo) {
      const advanceTo = clock.advanceTo.bind(clock);
      additionalPolicies.push({
        policy: skipRetryAfterPolicy({ now: () => clock.now(), advanceTo }),
        position: 'perRetry',
      });
    }
    // The sandbox's CA is trusted through one agent whose TLS context is built once (trustedAgent.ts).
    additionalPolicies.push({
      policy: useAgentPolicy(agentTrusting(target, target.ca)),
      position: 'perCall',
    });
    return {
      credential: sandboxCredential(),
      // `endpoint` redirects every client (network, compute alike); `$host` is ignored by some.
      options: {
        endpoint: target.endpoint.replace(/\/+$/, ''),
        retryOptions,
        additionalPolicies,
      },
    };
  }
  const cloud = AZURE_CLOUDS[target.cloud ?? 'AzureCloud'];
  const endpoint = (target.endpoint ?? cloud.arm).replace(/\/+$/, '');
  return {
    credential: target.credential ?? lazyDefaultCredential(cloud.authorityHost),
    options: {
      // The public cloud's endpoint is the clients' own default: only another one is passed.
      ...(endpoint !== AZURE_CLOUDS.AzureCloud.arm ? { endpoint } : {}),
      ...(target.ca ? { tlsOptions: { ca: target.ca } } : {}),
      retryOptions,
      additionalPolicies,
    },
  };
}

/**
 * The client without the SDK's `tracingPolicy`. That policy turns each request into an OpenTelemetry
 * span for `@azure/core-tracing`; probe-doctor registers no instrumenter for it (App Insights gets the
 * audit events, src/audit/appInsightsSink.ts, not SDK spans), so every span is a no-op, yet the policy
 * still sanitizes the request's URL and starts and ends that span: ~0.2 ms of this thread per request
 * against the sandbox (0.98 -> 0.77 ms per NIC GET), on every read of a run. Whoever wires SDK
 * tracing in must drop this.
 */
export function withoutSdkTracing<T extends { pipeline: Pipeline }>(client: T): T {
  client.pipeline.removePolicy({ name: 'tracingPolicy' });
  return client;
}

function lazy<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= build());
}

/**
 * Builds the clients for one subscription. Nothing is constructed until a client is first used.
 *
 * @param target sandbox (endpoint + CA) or live (credential or the default chain)
 */
export function createAzureClients(
  target: AzureTarget,
  subscriptionId: string,
  options: AzureClientOptions = {},
): AzureClients {
  const resolved = lazy(() => resolveTarget(target, options));
  const built = <T extends { pipeline: Pipeline }>(
    Client: new (
      credential: TokenCredential,
      subscriptionId: string,
      options: ResolvedTarget['options'],
    ) => T,
  ) => lazy(() => withoutSdkTracing(new Client(resolved().credential, subscriptionId, resolved().options)));
  const network = built(NetworkManagementClient);
  const compute = built(ComputeManagementClient);
  const monitor = built(MonitorClient);
  const resourceHealth = built(MicrosoftResourceHealth);
  const support = built(MicrosoftSupport);
  const resources = built(ResourceManagementClient);
  return {
    subscriptionId,
    get network() {
      return network();
    },
    get compute() {
      return compute();
    },
    get monitor() {
      return monitor();
    },
    get resourceHealth() {
      return resourceHealth();
    },
    get support() {
      return support();
    },
    get resources() {
      return resources();
    },
  };
}

/**
 * The Resource Graph client of a target. Resource Graph is a tenant-level API (the subscriptions go in
 * the query body), so it is not one of a subscription's clients.
 */
export function createResourceGraphClient(
  target: AzureTarget,
  options: AzureClientOptions = {},
): ResourceGraphClient {
  const resolved = resolveTarget(target, options);
  return withoutSdkTracing(new ResourceGraphClient(resolved.credential, resolved.options));
}

/** Returns the clients of a subscription, building each subscription's set once. */
export type ClientsForSubscription = (subscriptionId: string) => AzureClients;

/**
 * A per-subscription cache of clients for one target: a load balancer's backends live in its own
 * subscription, but a run (or a scope list) may touch several, and each set shares one credential.
 */
export function createClientFactory(
  target: AzureTarget,
  options: AzureClientOptions = {},
): ClientsForSubscription {
  // One credential for every subscription, so the default chain (and its token cache) is built once.
  const shared: AzureTarget =
    target.kind === 'live'
      ? {
          ...target,
          credential:
            target.credential ??
            lazyDefaultCredential(AZURE_CLOUDS[target.cloud ?? 'AzureCloud'].authorityHost),
        }
      : target;
  const cache = new Map<string, AzureClients>();
  return (subscriptionId) => {
    const key = idKey(subscriptionId);
    let clients = cache.get(key);
    if (!clients) {
      clients = createAzureClients(shared, subscriptionId, options);
      cache.set(key, clients);
    }
    return clients;
  };
}
