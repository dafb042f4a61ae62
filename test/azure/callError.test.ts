import { RestError } from '@azure/core-rest-pipeline';
import { isRetryableStatus, toAzureCallError } from '../../src/azure/callError';
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

describe('isRetryableStatus', () => {
  it.each([
    [409, true],
    [429, true],
    [503, true],
    [404, false],
    [403, false],
    [undefined, false],
  ])('%s -> %s', (status, expected) => {
    expect(isRetryableStatus(status)).toBe(expected);
  });
});
