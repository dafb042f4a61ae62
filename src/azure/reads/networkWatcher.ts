/**
 * Network Watcher operations (IP flow verify, connectivity check) and finding the watcher that answers
 * for a region: one per region per subscription, listed once per reader and kept.
 */
import { AzureCallError } from '../../errors';
import { callAzure } from '../callError';
import type { ClientsForSubscription } from '../clients';
import type {
  ConnectivityCheckRequest,
  ConnectivityCheckResult,
  IpFlowVerifyRequest,
  IpFlowVerifyResult,
} from '../reader';
import { parseResourceId } from '../resourceId';

interface Watcher {
  resourceGroup: string;
  name: string;
  location: string;
}

/** Finds a subscription's Network Watcher in a region. */
export type WatcherLocator = (subscriptionId: string, location: string) => Promise<Watcher>;

const normalizeRegion = (location: string): string => location.replace(/\s+/g, '').toLowerCase();

/**
 * The locator over one subscription listing each (a failed listing is forgotten, so a later call
 * lists again).
 *
 * @throws AzureCallError `NetworkWatcherNotFound` when the region has none.
 */
export function createWatcherLocator(clientsFor: ClientsForSubscription): WatcherLocator {
  const watchers = new Map<string, Promise<Watcher[]>>();
  return async (subscriptionId, location) => {
    let list = watchers.get(subscriptionId);
    if (!list) {
      list = callAzure('list network watchers in', `/subscriptions/${subscriptionId}`, async () => {
        const found: Watcher[] = [];
        for await (const w of clientsFor(subscriptionId).network.networkWatchers.listAll()) {
          if (!w.id || !w.location) continue;
          const parsed = parseResourceId(w.id);
          found.push({ resourceGroup: parsed.resourceGroup, name: parsed.name, location: w.location });
        }
        return found;
      });
      // A failed listing should not poison later calls.
      list.catch(() => watchers.delete(subscriptionId));
      watchers.set(subscriptionId, list);
    }
    const watcher = (await list).find((w) => normalizeRegion(w.location) === normalizeRegion(location));
    if (!watcher) {
      throw new AzureCallError(
        `no Network Watcher in region ${location} of subscription ${subscriptionId}`,
        `/subscriptions/${subscriptionId}`,
        undefined,
        'NetworkWatcherNotFound',
      );
    }
    return watcher;
  };
}

/** Network Watcher IP flow verify from the VM's point of view. */
export function verifyIpFlow(
  clientsFor: ClientsForSubscription,
  locate: WatcherLocator,
  request: IpFlowVerifyRequest,
): Promise<IpFlowVerifyResult> {
  return callAzure('verify IP flow for', request.targetResourceId, async () => {
    const target = parseResourceId(request.targetResourceId);
    const watcher = await locate(target.subscriptionId, request.location);
    const result = await clientsFor(target.subscriptionId).network.networkWatchers.beginVerifyIPFlowAndWait(
      watcher.resourceGroup,
      watcher.name,
      {
        targetResourceId: request.targetResourceId,
        ...(request.targetNicResourceId ? { targetNicResourceId: request.targetNicResourceId } : {}),
        direction: request.direction,
        protocol: request.protocol,
        localIPAddress: request.localIpAddress,
        localPort: String(request.localPort),
        remoteIPAddress: request.remoteIpAddress,
        remotePort: String(request.remotePort),
      },
    );
    return {
      access: result.access?.toLowerCase() === 'deny' ? 'Deny' : 'Allow',
      ...(result.ruleName ? { ruleName: result.ruleName } : {}),
    };
  });
}

/** Network Watcher connectivity check from a VM to a resource or address. */
export function checkConnectivity(
  clientsFor: ClientsForSubscription,
  locate: WatcherLocator,
  request: ConnectivityCheckRequest,
): Promise<ConnectivityCheckResult> {
  return callAzure('check connectivity from', request.sourceResourceId, async () => {
    const source = parseResourceId(request.sourceResourceId);
    const watcher = await locate(source.subscriptionId, request.location);
    const result = await clientsFor(
      source.subscriptionId,
    ).network.networkWatchers.beginCheckConnectivityAndWait(watcher.resourceGroup, watcher.name, {
      source: { resourceId: request.sourceResourceId },
      destination: request.destination,
      ...(request.protocol ? { protocol: request.protocol } : {}),
    });
    return {
      connectionStatus: result.connectionStatus ?? 'Unknown',
      ...(result.avgLatencyInMs !== undefined ? { avgLatencyInMs: result.avgLatencyInMs } : {}),
      ...(result.probesSent !== undefined ? { probesSent: result.probesSent } : {}),
      ...(result.probesFailed !== undefined ? { probesFailed: result.probesFailed } : {}),
      hops: (result.hops ?? []).map((h) => ({
        ...(h.type ? { type: h.type } : {}),
        ...(h.address ? { address: h.address } : {}),
        ...(h.resourceId ? { resourceId: h.resourceId } : {}),
        issues: (h.issues ?? []).map((i) => ({
          ...(i.type ? { type: i.type } : {}),
          ...(i.severity ? { severity: i.severity } : {}),
          ...(i.origin ? { origin: i.origin } : {}),
        })),
      })),
    };
  });
}
