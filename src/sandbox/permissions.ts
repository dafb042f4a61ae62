/**
 * The caller's role permissions (a scenario's `permissions`): which ARM operations its role
 * assignments allow, the way Azure RBAC decides it for the control plane ("Understand Azure role
 * definitions", learn.microsoft.com role-based-access-control/role-definitions):
 *
 * - an operation is allowed when some `permissions` block lists it in `actions` and does not list it
 *   in that block's `notActions` (a block's effective actions are its actions minus its notActions;
 *   several role assignments add up);
 * - `*` in an action matches any characters (`*` alone is every action, `Microsoft.Network/*` every
 *   operation of the provider, and `*` before `/read` every read: the built-in Reader's one action),
 *   and operation names are compared without case.
 *
 * Only the operation's name counts here: every assignment is taken to cover the whole scenario.
 * Denying one resource and what is under it is `forbidden` (src/sandbox/forbidden.ts).
 */
import type { Scenario } from './scenario';

type Permissions = NonNullable<Scenario['permissions']>;

/** `pattern` (an action with `*` wildcards) as an anchored, case-insensitive regular expression. */
function actionPattern(pattern: string): RegExp {
  const literal = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${literal}$`, 'i');
}

/** The permissions as matchers, built once per sandbox. */
export interface ActionCheck {
  /** True when the role assignments allow `operation` (e.g. `Microsoft.Network/loadBalancers/read`). */
  allows(operation: string): boolean;
}

/** Every action allowed: a scenario without `permissions`. */
const EVERYTHING: ActionCheck = { allows: () => true };

/** The check of a scenario's `permissions`; every action allowed when it has none. */
export function actionCheckOf(permissions: Permissions | undefined): ActionCheck {
  if (!permissions) return EVERYTHING;
  const blocks = permissions.map((block) => ({
    actions: block.actions.map(actionPattern),
    notActions: block.notActions.map(actionPattern),
  }));
  return {
    allows: (operation) =>
      blocks.some(
        (block) =>
          block.actions.some((p) => p.test(operation)) && !block.notActions.some((p) => p.test(operation)),
      ),
  };
}
