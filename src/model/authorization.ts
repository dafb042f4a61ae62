/**
 * What a refusal for want of a role says: the RBAC action the caller lacks. ARM answers a call the
 * caller's role does not allow with 403 `AuthorizationFailed` and "does not have authorization to
 * perform action 'X' over scope 'Y'"; probe-doctor's own wording of it (src/azure/callError.ts) is
 * "the signed-in principal lacks X on Y".
 */

/**
 * The action a refusal says the caller lacks, or undefined when `message` names none it lacks. ARM's
 * `AuthorizationFailed` says "does not have authorization to perform action 'X'"; its
 * `LinkedAuthorizationFailed` first names the action the caller has ("has permission to perform action
 * 'A'") and then, after "however", the one it lacks on the linked scope ("does not have permission to
 * perform action 'B'"): only that second one is to grant. A linked refusal for another reason (the
 * linked subscription belongs to another tenant, a deny assignment) names no action the caller lacks, so
 * none is returned and no role is suggested: a role assignment cannot lift a deny assignment.
 */
export function deniedAction(message: string): string | undefined {
  if (!/AuthorizationFailed|not authorized|lacks/.test(message)) return undefined;
  return (
    /(?:does not have (?:authorization|permission)|is not authorized) to perform action '([^']+)'/.exec(
      message,
    )?.[1] ?? /signed-in principal lacks (\S+) on /.exec(message)?.[1]
  );
}

/** The distinct actions the refusals among `messages` name, in order. */
export function deniedActions(messages: readonly string[]): string[] {
  return [...new Set(messages.map(deniedAction).filter((a): a is string => a !== undefined))];
}
