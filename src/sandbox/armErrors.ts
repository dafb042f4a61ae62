/**
 * The ARM error answers the sandbox gives, with ARM's codes and (shortened) messages, so callers
 * branch on the same codes they meet in Azure.
 */
import { SandboxHttpError } from './httpError';

/** 404 for a top-level resource, as ARM's front door answers it. */
export function resourceNotFound(id: string): SandboxHttpError {
  const m = /\/resourceGroups\/([^/]+)\/providers\/([^/]+)\/([^/]+)\/([^/]+)/i.exec(id);
  const what = m ? `${m[2]}/${m[3]}/${m[4]}` : id;
  const rg = m ? m[1] : '';
  return new SandboxHttpError(
    404,
    'ResourceNotFound',
    `The Resource '${what}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

/** 404 for a resource group ARM does not know (Resource Groups - Get). */
export function resourceGroupNotFound(name: string): SandboxHttpError {
  return new SandboxHttpError(404, 'ResourceGroupNotFound', `Resource group '${name}' could not be found.`);
}

/**
 * 404 for a subscription ARM does not know (or one of another tenant): code `SubscriptionNotFound`,
 * "The subscription '<id>' could not be found." (as ARM answers a resource group list for it: quoted in
 * microsoft/AzureStorageExplorer#5298 and Azure/azure-cli#33657).
 */
export function subscriptionNotFound(subscriptionId: string): SandboxHttpError {
  return new SandboxHttpError(
    404,
    'SubscriptionNotFound',
    `The subscription '${subscriptionId}' could not be found.`,
  );
}

/** 404 for a child resource (a probe, a rule), as the resource provider itself answers it. */
export function childNotFound(id: string): SandboxHttpError {
  return new SandboxHttpError(404, 'NotFound', `Resource ${id} not found.`);
}

/** 403 for a scope the caller may not read or act on. */
export function authorizationFailed(action: string, scope: string): SandboxHttpError {
  return new SandboxHttpError(
    403,
    'AuthorizationFailed',
    `The client 'sandbox' with object id '00000000-0000-0000-0000-000000000000' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
  );
}

/**
 * 403 for a write whose own action the role allows but whose linked action it does not (a rule that
 * names an application security group, without the join action on it): ARM's `LinkedAuthorizationFailed`,
 * worded as ARM words it (src/sandbox/linkedAuthorization.ts).
 */
export function linkedAuthorizationFailed(
  action: string,
  scope: string,
  linkedAction: string,
  linkedScopes: readonly string[],
): SandboxHttpError {
  return new SandboxHttpError(
    403,
    'LinkedAuthorizationFailed',
    `The client 'sandbox' with object id '00000000-0000-0000-0000-000000000000' has permission to perform action '${action}' on scope '${scope}'; however, it does not have permission to perform action '${linkedAction}' on the linked scope(s) '${linkedScopes.join(',')}' or the linked scope(s) are invalid.`,
  );
}

export function authenticationMissing(): SandboxHttpError {
  return new SandboxHttpError(
    401,
    'AuthenticationFailed',
    "Authentication failed. The 'Authorization' header is missing.",
  );
}

export function missingApiVersion(): SandboxHttpError {
  return new SandboxHttpError(
    400,
    'MissingApiVersionParameter',
    'The api-version query parameter (?api-version=) is required for all requests.',
  );
}

/** Anything the sandbox does not emulate: say so plainly rather than pretend. */
export function unsupported(method: string, path: string): SandboxHttpError {
  return new SandboxHttpError(404, 'InvalidResourceType', `The sandbox does not serve ${method} ${path}.`);
}

export function anotherOperationInProgress(statusUrl: string): SandboxHttpError {
  return new SandboxHttpError(
    409,
    'AnotherOperationInProgress',
    `Another operation on this or dependent resource is in progress. To retrieve status of the operation use uri: ${statusUrl}. Please wait for the operation to finish before retrying.`,
  );
}

/**
 * The Network resource provider's 429 when another operation is updating a resource the write
 * depends on: code `RetryableError`, the reason in `details` (`RetryableErrorDueToAnotherOperation`,
 * "... The call can be retried in N seconds."). Shape as reported from Azure in
 * github.com/cloudfoundry/bosh-azure-cpi-release/issues/179 and hashicorp/terraform#7986; the wait
 * is in the message only (no Retry-After header is shown there), so a client cannot rely on one.
 */
export function retryableDueToAnotherOperation(operationId: string, seconds: number): SandboxHttpError {
  return new SandboxHttpError(429, 'RetryableError', 'A retryable error occurred.', {}, [
    {
      code: 'RetryableErrorDueToAnotherOperation',
      message: `Operation PutNetworkSecurityGroupOperation (${operationId}) is updating resource networkSecurityGroup. The call can be retried in ${seconds} seconds.`,
    },
  ]);
}

export function throttled(
  kind: 'read' | 'write',
  subscriptionId: string,
  retryAfterSeconds: number,
): SandboxHttpError {
  return new SandboxHttpError(
    429,
    'SubscriptionRequestsThrottled',
    `Number of '${kind}' requests for subscription '${subscriptionId}' actor 'sandbox' exceeded. Please try again after '${retryAfterSeconds}' seconds after additional tokens are available.`,
    { 'Retry-After': String(retryAfterSeconds) },
  );
}

export function serverError(status: 500 | 503, retryAfterSeconds: number): SandboxHttpError {
  return status === 500
    ? new SandboxHttpError(
        500,
        'InternalServerError',
        'Encountered internal server error. (sandbox fault injection)',
      )
    : new SandboxHttpError(
        503,
        'ServiceUnavailable',
        'The service is temporarily unavailable. (sandbox fault injection)',
        {
          'Retry-After': String(retryAfterSeconds),
        },
      );
}

/**
 * 409 while a Run Command script runs on the VM: Azure's code and message, as reported verbatim in
 * Azure/azure-cli#32305 and MicrosoftDocs/azure-docs#43356 ("Only one script can run at a time").
 */
export function runCommandInProgress(): SandboxHttpError {
  return new SandboxHttpError(
    409,
    'Conflict',
    'Run command extension execution is in progress. Please wait for completion before invoking a run command.',
  );
}

/**
 * 400 for an api-version the resource type does not register, in ARM's words ("No registered resource
 * provider found for location ... and API version ... for type ...").
 */
export function noRegisteredProvider(
  type: string,
  apiVersion: string,
  supported: readonly string[],
): SandboxHttpError {
  return new SandboxHttpError(
    400,
    'NoRegisteredProviderFound',
    `No registered resource provider found for location 'westeurope' and API version '${apiVersion}' for type '${type}'. The supported api-versions are '${supported.join(', ')}'. The supported locations are 'westeurope'.`,
  );
}

export function invalidRequest(message: string): SandboxHttpError {
  return new SandboxHttpError(400, 'InvalidRequestFormat', `Cannot parse the request. ${message}`);
}
