/**
 * Failures a person can act on, end to end: no credential, a 403, an id that does not exist each end
 * the run once, on one line with the next step, exit code 2; a 429 is retried by the SDK pipeline
 * alone (1 + 5 attempts), never again by the activity or the orchestrator.
 *
 * No test here builds DefaultAzureCredential: the live run gets a credential that fails the way the
 * default chain fails on a machine with nothing to sign in with, and every socket the process opens
 * is checked to stay on loopback.
 */
import { AggregateAuthenticationError, CredentialUnavailableError } from '@azure/identity';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLocally } from '../../src/app/localRun';
import { createRemediation } from '../../src/app/remediation';
import { loadConfig } from '../../src/config';
import { parseScenario } from '../../src/sandbox/scenario';
import { startSandbox } from '../../src/sandbox/server';
import { runCli } from '../helpers/cli';

const LIVE_LB =
  '/subscriptions/6f1c2a9e-3b7d-4e21-9a55-0c8d4e2f7b13/resourceGroups/rg-shop-prod/providers/Microsoft.Network/loadBalancers/lb-shop';
const scenarioFile = join(__dirname, '../../scenarios/nsg-deny-all-blocks-probe.json');
const scenarioJson = JSON.parse(readFileSync(scenarioFile, 'utf8')) as {
  name: string;
  expect: { loadBalancerId: string };
  faults?: unknown;
  forbidden?: string[];
};
const LB = scenarioJson.expect.loadBalancerId;

/** Every host a socket was asked to connect to while a test ran. */
const connections: string[] = [];
const originalConnect = net.Socket.prototype.connect;
beforeAll(() => {
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    const first = args[0] as { host?: string; path?: string } | number | string;
    const host =
      typeof first === 'object' && first !== null
        ? (first.host ?? first.path ?? 'localhost')
        : typeof args[1] === 'string'
          ? args[1]
          : 'localhost';
    connections.push(host);
    if (!['127.0.0.1', '::1', 'localhost'].includes(host) && !host.startsWith('/')) {
      throw new Error(`test tried to reach ${host}`);
    }
    return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  };
});
afterAll(() => {
  net.Socket.prototype.connect = originalConnect;
});
beforeEach(() => {
  connections.length = 0;
});

async function cli(args: string[], liveCredential?: () => TokenCredential) {
  const { code, out, err } = await runCli(args, liveCredential ? { liveCredential } : {});
  return { code, out, err, lines: err.split('\n').filter((l) => l.length > 0) };
}

/** A scenario file like the shipped one, with `change` applied. */
function scenarioWith(change: (json: typeof scenarioJson) => void): string {
  const copy = structuredClone(scenarioJson);
  change(copy);
  const file = join(mkdtempSync(join(tmpdir(), 'pd-failures-')), 'scenario.json');
  writeFileSync(file, JSON.stringify(copy));
  return file;
}

describe('a run that cannot sign in', () => {
  it('prints one line with the next step, asks the credential once, exits 2, and reaches nothing', async () => {
    // Prepare: what DefaultAzureCredential throws when nothing on the machine can sign in.
    let asked = 0;
    const noCredential: TokenCredential = {
      getToken: (): Promise<AccessToken> => {
        asked += 1;
        return Promise.reject(
          new AggregateAuthenticationError(
            [
              new CredentialUnavailableError(
                'EnvironmentCredential is unavailable. No underlying credential could be used.',
              ),
              new CredentialUnavailableError(
                'ManagedIdentityCredential: Attempted to use the IMDS endpoint, but it is not available.',
              ),
              new CredentialUnavailableError(
                'Azure CLI could not be found. Please visit https://aka.ms/azure-cli.',
              ),
            ],
            'ChainedTokenCredential authentication failed.',
          ),
        );
      },
    };
    const started = Date.now();

    // Act
    const { code, out, err, lines } = await cli(['diagnose', '--load-balancer', LIVE_LB], () => noCredential);

    // Assess
    process.stderr.write(`[measure] no-credential diagnose ended in ${Date.now() - started} ms\n`);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(lines.at(-1)).toBe(
      'probe-doctor: cannot sign in to Azure: no credential could get a token. Next step: run `az login` (or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET for a service principal, or run where a managed identity is assigned), then try again',
    );
    expect(lines.filter((l) => l.includes('Next step'))).toHaveLength(1);
    expect(lines).toContain('  [FAILED] discover the load balancer');
    expect(err).not.toMatch(/undefined|CredentialUnavailableError|ChainedTokenCredential/);
    expect(asked).toBe(1);
    expect(connections.filter((h) => !['127.0.0.1', '::1', 'localhost'].includes(h))).toEqual([]);
  });
});

describe('a run against --arm-endpoint that cannot sign in', () => {
  it('adds how to sign in to that endpoint: az set to its cloud, or a token', async () => {
    // Prepare: the same failure as above, against an endpoint az is not set to.
    const noCredential: TokenCredential = {
      getToken: () => Promise.reject(new CredentialUnavailableError('Azure CLI could not be found.')),
    };
    const endpoint = 'https://127.0.0.1:1';

    // Act
    const { code, lines } = await cli(
      ['diagnose', '--load-balancer', LIVE_LB, '--arm-endpoint', endpoint],
      () => noCredential,
    );

    // Assess
    expect(code).toBe(2);
    expect(lines.at(-1)).toBe(
      'probe-doctor: cannot sign in to Azure: no credential could get a token. Next step: run `az login` (or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET for a service principal, or run where a managed identity is assigned), then try again. ' +
        `For --arm-endpoint ${endpoint}, az must be set to that cloud first (az cloud register --name <name> --endpoint-resource-manager ${endpoint}, then az cloud set --name <name> and az login), or pass a token for it with --access-token-env <VAR> (probe-doctor's own sandbox takes any bearer token)`,
    );
    expect(connections.filter((h) => !['127.0.0.1', '::1', 'localhost'].includes(h))).toEqual([]);
  });
});

describe('sweep and check-change that cannot sign in', () => {
  const noCredential = (): TokenCredential => ({
    getToken: (): Promise<AccessToken> =>
      Promise.reject(
        new AggregateAuthenticationError(
          [new CredentialUnavailableError('EnvironmentCredential is unavailable.')],
          'ChainedTokenCredential authentication failed.',
        ),
      ),
  });
  const plan = (): string => {
    const file = join(mkdtempSync(join(tmpdir(), 'pd-failures-')), 'plan.json');
    writeFileSync(file, JSON.stringify({ format_version: '1.2', resource_changes: [] }));
    return file;
  };

  it.each([
    ['sweep', () => ['sweep', '--scope', '00000000-0000-0000-0000-000000000000']],
    [
      'check-change',
      () => ['check-change', '--plan', plan(), '--scope', '00000000-0000-0000-0000-000000000000'],
    ],
  ])('%s prints the same one line with the next step as diagnose, exit 2', async (_name, args) => {
    // Act
    const { code, out, lines } = await cli(args(), noCredential);

    // Assess
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(lines.at(-1)).toBe(
      'probe-doctor: cannot sign in to Azure: no credential could get a token. Next step: run `az login` (or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET for a service principal, or run where a managed identity is assigned), then try again',
    );
    expect(connections.filter((h) => !['127.0.0.1', '::1', 'localhost'].includes(h))).toEqual([]);
  });
});

describe('a run stopped by ARM', () => {
  it.each([
    [
      'a load balancer id that does not exist',
      LB.replace(/loadBalancers\/[^/]+$/, 'loadBalancers/lb-gone'),
      (_json: typeof scenarioJson) => undefined,
      `probe-doctor: ${LB.replace(/loadBalancers\/[^/]+$/, 'loadBalancers/lb-gone')} does not exist (404 ResourceNotFound). Next step: check the id (subscription, resource group, name) and that you are signed in to the tenant that holds it. Scenario '${scenarioJson.name}' holds ${LB}`,
    ],
    [
      'a load balancer the principal may not read',
      LB,
      (json: typeof scenarioJson) => void (json.forbidden = [LB]),
      `probe-doctor: not authorized (403 AuthorizationFailed): the signed-in principal lacks Microsoft.Network/loadBalancers/read on ${LB}. Next step: assign it a role with Microsoft.Network/loadBalancers/read at that scope (infra/app/role-actions.json lists every action probe-doctor needs)`,
    ],
  ])('%s: one line with the next step, exit 2', async (_case, lbId, change, expected) => {
    // Act
    const { code, err, lines } = await cli([
      'diagnose',
      '--load-balancer',
      lbId,
      '--scenario',
      scenarioWith(change),
    ]);

    // Assess
    expect(code).toBe(2);
    expect(lines.at(-1)).toBe(expected);
    expect(lines.filter((l) => l.includes('Next step'))).toHaveLength(1);
    expect(err).not.toMatch(/undefined/);
    expect(err.split(lbId).length - 1).toBe(1);
  });
});

describe('one retry layer for a 429', () => {
  it('lets the SDK pipeline retry a throttled read 5 times and nothing else retry it again', async () => {
    // Prepare: every request throttled, Retry-After 0 so the pipeline's waits are instant.
    const scenario = parseScenario(
      { ...structuredClone(scenarioJson), faults: { throttleRate: 1, retryAfterSeconds: 0 } },
      'throttled',
    );
    const sandbox = await startSandbox({ scenario });

    // Act: the run is closed with a report (and RunFinished) that carries the one-line error.
    let error: unknown;
    try {
      const { report } = await runLocally({
        input: { loadBalancerId: LB, mode: 'observe' },
        target: { kind: 'sandbox', endpoint: sandbox.endpoint, ca: sandbox.ca },
        config: loadConfig({}),
        remediation: createRemediation({ sleep: () => Promise.resolve(), pollIntervalMs: 1 }),
      });
      error = new Error(report.problems?.find((p) => p.kind === 'failed')?.message);
    } catch (err) {
      error = err;
    } finally {
      await sandbox.stop();
    }

    // Assess: one read of the load balancer and one of its rules' list (sent beside it, so the health
    // can start early), each 1 + DEFAULT_RETRY_OPTIONS.maxRetries attempts in all.
    const attempts = sandbox.requestLog.map((e) => `${e.method} ${e.status} ${e.operation ?? ''}`);
    expect(attempts.filter((a) => a === 'GET 429 Microsoft.Network/loadBalancers/read')).toHaveLength(6);
    expect(
      attempts.filter((a) => a === 'GET 429 Microsoft.Network/loadBalancers/loadBalancingRules/read'),
    ).toHaveLength(6);
    expect(attempts).toHaveLength(12);
    expect((error as Error).message).toMatch(
      /^read load balancer \/subscriptions\/[^ ]+ failed \(429 SubscriptionRequestsThrottled\): .* \(still failing after the SDK.s retries: try again later\)$/,
    );
    expect((error as Error).message).not.toMatch(/\n/);
  });
});
