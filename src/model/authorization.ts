/**
 * What a refusal for want of a role says: the RBAC action the caller lacks. ARM answers a call the
 * caller's role does not allow with 403 `AuthorizationFailed` and "does not have authorization to
 * perform action 'X' over scope 'Y'"; probe-doctor's own wording of it (src/azure/callError.ts) is
 * "the signed-in principal lacks X on Y".
 */

/**
 * The action a refusal names, or undefined when `message` is no refusal for want of a role. ARM's
 * `LinkedAuthorizationFailed` names two: the one the caller has ("has permission to perform action
 * 'A'") and, after "however", the one it lacks on the linked scope: the second is the one to grant.
 */
export function deniedAction(message: string): string | undefined {
  if (!/AuthorizationFailed|not authorized/.test(message)) return undefined;
  return (
    /does not have (?:authorization|permission) to perform action '([^']+)'/.exec(message)?.[1] ??
    /perform action '([^']+)'/.exec(message)?.[1] ??
    /signed-in principal lacks (\S+) on /.exec(message)?.[1]
  );
}

/** The distinct actions the refusals among `messages` name, in order. */
export function deniedActions(messages: readonly string[]): string[] {
  return [...new Set(messages.map(deniedAction).filter((a): a is string => a !== undefined))];
}
