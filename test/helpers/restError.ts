/** The `RestError` a call through the SDK is expected to fail with (ARM's status, code and message). */
import type { RestError } from '@azure/core-rest-pipeline';

/**
 * Awaits `promise` and returns the error it rejected with, as the SDK's `RestError`.
 *
 * @throws Error when the call succeeds: the test expected a failure.
 */
export async function restError(promise: Promise<unknown>): Promise<RestError> {
  try {
    await promise;
  } catch (err) {
    return err as RestError;
  }
  throw new Error('expected the call to fail');
}
