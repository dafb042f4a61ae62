/** `POST …/loadBalancingRules/{rule}/health`: the body of the finished long-running operation. */
import { SandboxHttpError } from '../httpError';
import type { SandboxState } from '../state';
import { props, refId, str } from './arm';
import { lbRules, requireLoadBalancer } from './lb';
import { ruleProbeStatuses, type ProbeStatus } from './probeModel';

/**
 * The LoadBalancerHealthPerRule body (LoadBalancerLoadBalancingRules_Health example). 404 for a
 * missing rule; 400 where the docs say health status is not supported: a rule without a probe, and a
 * Gateway load balancer. Basic SKU: per-backend health is a Standard feature (load-balancer-manage-
 * health-status.md: "health status ... is available for Standard"; the SKU comparison lists health
 * probe status and per-backend metrics for Standard only), so a Basic load balancer gets a 400 too.
 * Backends on
 * stopped VMs are listed with `state` and `reason` left out ("health status returns empty values").
 */
export function ruleHealth(state: SandboxState, lbId: string, ruleName: string): Record<string, unknown> {
  const lb = requireLoadBalancer(state, lbId);
  const rule = lbRules(lb).find((r) => str(r.name)?.toLowerCase() === ruleName.toLowerCase());
  if (!rule) {
    throw new SandboxHttpError(
      404,
      'NotFound',
      `Load balancing rule '${ruleName}' was not found in load balancer '${lbId}'.`,
    );
  }
  const sku = str((lb.sku as Record<string, unknown> | undefined)?.name);
  if (sku?.toLowerCase() === 'basic') {
    throw new SandboxHttpError(
      400,
      'BadRequest',
      `Health status is not supported for Basic SKU load balancer '${lbId}'; it is available for Standard SKU load balancers.`,
    );
  }
  if (sku?.toLowerCase() === 'gateway') {
    throw new SandboxHttpError(
      400,
      'BadRequest',
      `Health status is not supported for Gateway load balancer '${lbId}'.`,
    );
  }
  if (!refId(props(rule).probe)) {
    throw new SandboxHttpError(
      400,
      'BadRequest',
      `Health status is not supported for load balancing rule '${ruleName}', which has no health probe.`,
    );
  }
  return bodyOf(ruleProbeStatuses(state, rule));
}

/**
 * The body for one list of statuses, built once: the probe model hands over the same list for as
 * long as no backend of the rule changes, so a change elsewhere costs no new body, and the same
 * answer is the same (frozen) object.
 */
const bodies = new WeakMap<readonly ProbeStatus[], Record<string, unknown>>();

function bodyOf(statuses: readonly ProbeStatus[]): Record<string, unknown> {
  let body = bodies.get(statuses);
  if (!body) {
    let up = 0;
    let down = 0;
    for (const s of statuses) {
      if (s.probed && s.state === 'Up') up++;
      else if (s.probed) down++;
    }
    body = Object.freeze({
      up,
      down,
      loadBalancerBackendAddresses: Object.freeze(statuses.map(addressOf)),
    });
    bodies.set(statuses, body);
  }
  return body;
}

/**
 * Each status's entry in the body, built once: the probe model keeps a backend's status object for as
 * long as nothing it depends on changes, so an unchanged backend is the same (frozen) entry in the
 * next body, and readers of successive bodies (probeTime.ts) can skip it.
 */
const addresses = new WeakMap<ProbeStatus, Readonly<Record<string, unknown>>>();

function addressOf(s: ProbeStatus): Readonly<Record<string, unknown>> {
  let address = addresses.get(s);
  if (!address) {
    address = Object.freeze({
      ...(s.ipAddress ? { ipAddress: s.ipAddress } : {}),
      ...(s.ipConfigurationId ? { networkInterfaceIPConfigurationId: s.ipConfigurationId } : {}),
      ...(s.probed ? { state: s.state, reason: s.reason } : {}),
    });
    addresses.set(s, address);
  }
  return address;
}
