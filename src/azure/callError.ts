/**
 * Turns whatever an SDK call threw into an {@link AzureCallError} that keeps the HTTP status and the
 * ARM error code, so callers branch on numbers (404, 403, 409) rather than on message text.
 */
import { isRestError } from '@azure/core-rest-pipeline';
import { AzureCallError, ensureError, isAzureCallError } from '../errors';

/** Status and ARM code of a failed call, wherever the SDK put them. */
export function statusOf(err: unknown): { statusCode?: number; code?: string } {
  if (isRestError(err)) {
    return { statusCode: err.statusCode, code: err.code ?? armCodeOf(err.details) };
  }
  if (typeof err === 'object' && err !== null) {
    const e = err as { statusCode?: unknown; code?: unknown };
    return {
      statusCode: typeof e.statusCode === 'number' ? e.statusCode : undefined,
      code: typeof e.code === 'string' ? e.code : undefined,
    };
  }
  return {};
}

function armCodeOf(details: unknown): string | undefined {
  const code = (details as { error?: { code?: unknown } } | undefined)?.error?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Wraps a failure of `action` on `resourceId`. An AzureCallError passes through unchanged, so
 * wrapping twice does not stack messages.
 */
export function toAzureCallError(err: unknown, action: string, resourceId?: string): AzureCallError {
  if (isAzureCallError(err)) return err;
  const { statusCode, code } = statusOf(err);
  const status = [statusCode, code].filter((x) => x !== undefined).join(' ');
  const message = `${action}${resourceId ? ` ${resourceId}` : ''} failed${status ? ` (${status})` : ''}: ${ensureError(err).message}`;
  return new AzureCallError(message, resourceId, statusCode, code, { cause: err });
}

/** Runs an SDK call and rethrows its failure as an {@link AzureCallError}. */
export async function callAzure<T>(
  action: string,
  resourceId: string | undefined,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toAzureCallError(err, action, resourceId);
  }
}

/**
 * What kind of failure stopped a call, for what a person does next:
 * - `credential`: no credential could get a token (or ARM answered 401): sign in.
 * - `authorization`: 403: the principal lacks a role action.
 * - `not-found`: 404: the id names nothing (or a subscription the credential cannot see).
 * - `transient`: throttling (429), a server error (5xx), a timeout or a dropped connection: worth
 *   retrying, which the SDK's pipeline already did (src/azure/clients.ts).
 * - `untrusted-certificate`: the endpoint's TLS certificate is self-signed or from a CA this process
 *   was not given: pass the CA (`--ca-file`); retrying cannot help.
 * - `other`: anything else (400, 409, a bug).
 */
export type FailureKind =
  'credential' | 'authorization' | 'not-found' | 'untrusted-certificate' | 'transient' | 'other';

/** The names @azure/identity gives its credential failures (errors.d.ts of @azure/identity 4). */
const CREDENTIAL_ERRORS = new Set([
  'CredentialUnavailableError',
  'AggregateAuthenticationError',
  'AuthenticationError',
  'AuthenticationRequiredError',
]);

/** Node's codes for a connection that failed or timed out (core-rest-pipeline retries the same ones). */
const TRANSIENT_CODES = new Set([
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'REQUEST_SEND_ERROR',
]);

/**
 * Node's codes (OpenSSL's verify errors) for a server certificate whose issuer this process does not
 * trust: self-signed, or signed by a CA it was not given (nodejs.org/api/tls.html, "X509 certificate
 * error codes"). The remedy is the CA, not a retry.
 */
const UNTRUSTED_CERT_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

/** What to do about an endpoint certificate this process does not trust. */
export const CA_FILE_STEP =
  "pass --ca-file with the CA that signed the endpoint's certificate (for `probe-doctor sandbox`, the CA file it prints at its start)";

/** The error, its causes, and the errors an aggregate holds, outermost first (bounded). */
function chainOf(err: unknown): unknown[] {
  const out: unknown[] = [];
  const queue: unknown[] = [err];
  while (queue.length > 0 && out.length < 20) {
    const current = queue.shift();
    if (current === undefined || current === null || out.includes(current)) continue;
    out.push(current);
    const e = current as { cause?: unknown; errors?: unknown };
    queue.push(e.cause);
    if (Array.isArray(e.errors)) queue.push(...(e.errors as unknown[]));
  }
  return out;
}

const nameOf = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && typeof (e as { name?: unknown }).name === 'string'
    ? (e as { name: string }).name
    : undefined;

/** Status and ARM code, from the first error in the chain that has a status. */
function statusInChain(err: unknown): { statusCode?: number; code?: string } {
  for (const e of chainOf(err)) {
    const found = isAzureCallError(e) ? { statusCode: e.statusCode, code: e.code } : statusOf(e);
    if (found.statusCode !== undefined) return found;
  }
  return statusOf(err);
}

/** The first untrusted-certificate code in the error's chain (see UNTRUSTED_CERT_CODES). */
function untrustedCertCode(err: unknown): string | undefined {
  return chainOf(err)
    .map((e) => (e as { code?: unknown }).code)
    .find((c): c is string => typeof c === 'string' && UNTRUSTED_CERT_CODES.has(c));
}

/** The kind of a failure (see {@link FailureKind}); pure over the error and its causes. */
export function classifyFailure(err: unknown): FailureKind {
  const chain = chainOf(err);
  if (chain.some((e) => CREDENTIAL_ERRORS.has(nameOf(e) ?? ''))) return 'credential';
  if (untrustedCertCode(err)) return 'untrusted-certificate';
  const { statusCode } = statusInChain(err);
  if (statusCode === 401) return 'credential';
  if (statusCode === 403) return 'authorization';
  if (statusCode === 404) return 'not-found';
  if (statusCode === 408 || statusCode === 429 || (statusCode !== undefined && statusCode >= 500)) {
    return 'transient';
  }
  const codes = chain.map((e) => (e as { code?: unknown }).code).filter((c) => typeof c === 'string');
  if (codes.some((c) => TRANSIENT_CODES.has(c)) || chain.some((e) => nameOf(e) === 'AbortError')) {
    return 'transient';
  }
  return 'other';
}

/** The ARM error message inside a failure (the innermost RestError's), on one line. */
function armMessage(err: unknown): string | undefined {
  for (const e of chainOf(err).reverse()) {
    if (isRestError(e)) return e.message.replace(/\s+/g, ' ').trim();
  }
  return undefined;
}

/** How {@link describeFailure} begins the line of a credential failure. */
export const SIGN_IN_FAILURE = 'cannot sign in to Azure';

/** What to do about a credential failure, in the words of the tools a person has. */
export const SIGN_IN_STEP =
  'run `az login` (or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET for a service principal, or run where a managed identity is assigned), then try again';

/**
 * One line a person can act on: what failed, on which resource, and the next step. Never names
 * `undefined`; the resource id appears once. Used for the failures that stop a run (credential,
 * authorization, not found, untrusted certificate), which are reported once and never retried.
 */
export function describeFailure(err: unknown): { kind: FailureKind; message: string } {
  const kind = classifyFailure(err);
  const call = [...chainOf(err)].find(isAzureCallError);
  const resourceId = call?.resourceId;
  const { statusCode, code } = statusInChain(err);
  const status = [statusCode, code].filter((x) => x !== undefined).join(' ');
  const arm = armMessage(err);
  if (kind === 'credential') {
    return {
      kind,
      message: `${SIGN_IN_FAILURE}: no credential could get a token${statusCode === 401 ? ` (401${code ? ` ${code}` : ''})` : ''}. Next step: ${SIGN_IN_STEP}`,
    };
  }
  if (kind === 'authorization') {
    const action = /action '([^']+)'/.exec(arm ?? '')?.[1];
    const scope = /scope '([^']+)'/.exec(arm ?? '')?.[1] ?? resourceId;
    const what = action ? `${action} on ${scope ?? 'the resource'}` : `access to ${scope ?? 'the resource'}`;
    return {
      kind,
      message: `not authorized (${status}): the signed-in principal lacks ${what}. Next step: assign it a role with ${action ?? 'the actions'} at that scope (infra/app/role-actions.json lists every action probe-doctor needs)`,
    };
  }
  if (kind === 'not-found') {
    const subscription =
      code === 'SubscriptionNotFound' ? ' (the subscription is not visible to this credential)' : '';
    return {
      kind,
      message: `${resourceId ?? 'the resource'} does not exist (${status})${subscription}. Next step: check the id (subscription, resource group, name) and that you are signed in to the tenant that holds it`,
    };
  }
  // The innermost call's own words ("read load balancer <id> failed (429 ...): ..."): wrappers only
  // repeat the id.
  const innermost = chainOf(err).filter(isAzureCallError).pop();
  const text = (innermost ?? ensureError(err)).message.replace(/\s+/g, ' ').trim();
  if (kind === 'transient') {
    return {
      kind,
      message: `${text || `${status || 'a transient'} failure`} (still failing after the SDK's retries: try again later)`,
    };
  }
  if (kind === 'untrusted-certificate') {
    const untrusted = untrustedCertCode(err) as string;
    return {
      kind,
      message: `${text || `${untrusted} failure`}${text.includes(untrusted) ? '' : ` (${untrusted})`}. Next step: ${CA_FILE_STEP}`,
    };
  }
  return { kind, message: text || `${status || 'unknown'} failure` };
}
