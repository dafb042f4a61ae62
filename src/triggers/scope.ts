import type { AllowedScope } from '../config';

const PARTS = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\//i;

/** True when `resourceId` lies in one of the allowed subscriptions or resource groups. */
export function isInScope(resourceId: string, scopes: readonly AllowedScope[]): boolean {
  const match = PARTS.exec(resourceId);
  if (!match?.[1] || !match[2]) return false;
  const subscription = match[1].toLowerCase();
  const group = match[2].toLowerCase();
  return scopes.some(
    (s) =>
      s.subscriptionId.toLowerCase() === subscription &&
      (!s.resourceGroup || s.resourceGroup.toLowerCase() === group),
  );
}
