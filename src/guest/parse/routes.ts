/**
 * Guest routing toward 168.63.129.16 and the interface addresses, for the reply-path check: the reply
 * must leave by the interface that holds the probed NIC address.
 */
import type { GuestInterface, GuestRoute } from '../../model/evidence';

/**
 * `ip route get X [from Y]` (Linux) and the script's `X via G src S dev D` line (Windows). The `from Y`
 * form keeps Y as {@link GuestRoute.from}: it is the lookup policy routing applies to a reply sent from
 * Y, and can differ from the plain lookup. Error lines (`RTNETLINK answers: ...`) yield no route.
 */
export function parseRouteGet(text: string): GuestRoute[] {
  const routes: GuestRoute[] = [];
  for (const line of text.split('\n')) {
    const win = /^(\d[\d.]*) via (\S+) src \S+ dev (.+?)\s*$/.exec(line);
    if (win) {
      routes.push({ destination: win[1] as string, gateway: win[2], device: win[3] as string });
      continue;
    }
    const m = /^(\d[\d.]*)\s/.exec(line);
    const dev = /\bdev (\S+)/.exec(line)?.[1];
    if (!m || dev === undefined) continue;
    const route: GuestRoute = { destination: m[1] as string, device: dev };
    const via = /\bvia (\S+)/.exec(line)?.[1];
    if (via !== undefined) route.gateway = via;
    const from = /^\S+ from (\S+)/.exec(line)?.[1];
    if (from !== undefined) route.from = from;
    routes.push(route);
  }
  return routes;
}

/** `ip -o -4 addr show` (Linux) and the script's `A/N Alias` lines (Windows); addresses without prefix. */
export function parseInterfaces(text: string): GuestInterface[] {
  const byName = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const linux = /^\d+:\s+(\S+)\s+inet (\d[\d.]*)\//.exec(line);
    const win = /^(\d[\d.]*)\/\d+ (.+?)\s*$/.exec(line);
    const [name, addr] = linux ? [linux[1], linux[2]] : win ? [win[2], win[1]] : [undefined, undefined];
    if (name === undefined || addr === undefined) continue;
    byName.set(name, [...(byName.get(name) ?? []), addr]);
  }
  return [...byName].map(([name, addresses]) => ({ name, addresses }));
}

/** `sysctl net.ipv4.tcp_timestamps` (or `-n`): enabled unless 0. */
export function parseTcpTimestamps(text: string): boolean | undefined {
  const m = /^(?:net\.ipv4\.tcp_timestamps\s*=\s*)?(\d+)\s*$/m.exec(text);
  return m ? m[1] !== '0' : undefined;
}
