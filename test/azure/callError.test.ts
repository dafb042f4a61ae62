import { RestError } from '@azure/core-rest-pipeline';
import { classifyFailure, describeFailure, toAzureCallError } from '../../src/azure/callError';
import { AzureCallError } from '../../src/errors';

const ID = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm';

describe('toAzureCallError', () => {
  it('keeps status and ARM code of a RestError', () => {
    // Prepare
    const err = new RestError('Run command extension execution is in progress.', {
      statusCode: 409,
      code: 'Conflict',
    });
    // Act
    const wrapped = toAzureCallError(err, 'run command on', ID);
    // Assess
    expect(wrapped).toBeInstanceOf(AzureCallError);
    expect(wrapped).toMatchObject({
      message: `run command on ${ID} failed (409 Conflict): Run command extension execution is in progress.`,
      statusCode: 409,
      code: 'Conflict',
      resourceId: ID,
      cause: err,
    });
  });

  it('passes an AzureCallError through unchanged', () => {
    const original = new AzureCallError('x', ID, 404, 'NotFound');
    expect(toAzureCallError(original, 'read', ID)).toBe(original);
  });

  it('wraps a plain error without a status', () => {
    expect(toAzureCallError(new Error('socket hang up'), 'read', ID).message).toBe(
      `read ${ID} failed: socket hang up`,
    );
  });
});

/** A credential failure as @azure/identity 4 throws it: a named Error (errors.d.ts). */
function credentialError(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}

describe('classifyFailure', () => {
  it.each<[string, unknown, string]>([
    [
      'the default chain with nothing to sign in with',
      credentialError(
        'AggregateAuthenticationError',
        'ChainedTokenCredential authentication failed.\nCredentialUnavailableError: EnvironmentCredential is unavailable.',
      ),
      'credential',
    ],
    [
      'a credential failure wrapped by callAzure',
      toAzureCallError(
        credentialError('CredentialUnavailableError', 'Azure CLI could not be found.'),
        'read',
        ID,
      ),
      'credential',
    ],
    ['401', new RestError('expired', { statusCode: 401, code: 'InvalidAuthenticationToken' }), 'credential'],
    ['403', new RestError('no', { statusCode: 403, code: 'AuthorizationFailed' }), 'authorization'],
    ['404', new RestError('gone', { statusCode: 404, code: 'ResourceNotFound' }), 'not-found'],
    ['429', new RestError('slow down', { statusCode: 429 }), 'transient'],
    ['503', new RestError('busy', { statusCode: 503 }), 'transient'],
    ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'transient'],
    ['409', new RestError('conflict', { statusCode: 409, code: 'Conflict' }), 'other'],
    ['a plain error', new Error('bug'), 'other'],
  ])('%s -> %s', (_case, err, kind) => {
    expect(classifyFailure(err)).toBe(kind);
  });
});

describe('describeFailure', () => {
  const LB = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb';

  it('says to sign in, on one line, for the credential chain failing', () => {
    // Prepare
    const err = toAzureCallError(
      credentialError(
        'AggregateAuthenticationError',
        'ChainedTokenCredential authentication failed.\nCredentialUnavailableError: EnvironmentCredential is unavailable.\nCredentialUnavailableError: ManagedIdentityCredential: no response',
      ),
      'read load balancer',
      LB,
    );

    // Act
    const { kind, message } = describeFailure(err);

    // Assess
    expect(kind).toBe('credential');
    expect(message).toBe(
      'cannot sign in to Azure: no credential could get a token. Next step: run `az login` (or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET for a service principal, or run where a managed identity is assigned), then try again',
    );
  });

  it('names the missing role action and scope of a 403', () => {
    // Prepare
    const err = toAzureCallError(
      new RestError(
        `The client 'x' with object id 'y' does not have authorization to perform action 'Microsoft.Network/loadBalancers/read' over scope '${LB}' or the scope is invalid.`,
        { statusCode: 403, code: 'AuthorizationFailed' },
      ),
      'read load balancer',
      LB,
    );

    // Act
    const { kind, message } = describeFailure(err);

    // Assess
    expect(kind).toBe('authorization');
    expect(message).toBe(
      `not authorized (403 AuthorizationFailed): the signed-in principal lacks Microsoft.Network/loadBalancers/read on ${LB}. Next step: assign it a role with Microsoft.Network/loadBalancers/read at that scope (infra/app/role-actions.json lists every action probe-doctor needs)`,
    );
  });

  it('names the id that does not exist, once', () => {
    // Prepare
    const err = toAzureCallError(
      new RestError("The Resource 'Microsoft.Network/loadBalancers/lb' was not found.", {
        statusCode: 404,
        code: 'ResourceNotFound',
      }),
      'read load balancer',
      LB,
    );

    // Act
    const { message } = describeFailure(err);

    // Assess
    expect(message).toBe(
      `${LB} does not exist (404 ResourceNotFound). Next step: check the id (subscription, resource group, name) and that you are signed in to the tenant that holds it`,
    );
    expect(message.split(LB)).toHaveLength(2);
  });

  it('never says undefined, whatever it is given', () => {
    for (const err of [undefined, null, {}, new Error(''), new RestError('', {}), 'text']) {
      expect(describeFailure(err).message).not.toMatch(/undefined/);
    }
  });
});
