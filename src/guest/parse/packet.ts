/**
 * The probe as a packet, for the firewall walkers: source 168.63.129.16, TCP, destination the NIC
 * address and probe port, connection state NEW, arriving on the NIC (not loopback). The reply is the
 * same flow reversed, in state ESTABLISHED.
 */
import ipaddr from 'ipaddr.js';

export const PROBE_SOURCE = '168.63.129.16';

export interface ProbePacket {
  port: number;
  nicAddress: string;
}

/**
 * Does `spec` (an address, a CIDR, `a.b.c.d/255.255.255.0`, a range `a-b`, `Any`, `0.0.0.0/0`,
 * `Anywhere`) contain `address`? `undefined` when the spec is not an IPv4 form (IPv6, `LocalSubnet`).
 */
export function addressMatches(spec: string, address: string): boolean | undefined {
  const s = spec.trim();
  if (/^(any|anywhere|\*)$/i.test(s)) return true;
  try {
    const addr = ipaddr.IPv4.parse(address);
    const range = /^([\d.]+)-([\d.]+)$/.exec(s);
    if (range) {
      const n = (x: string) =>
        ipaddr.IPv4.parse(x)
          .toByteArray()
          .reduce((a, b) => a * 256 + b, 0);
      const v = n(address);
      return v >= n(range[1] as string) && v <= n(range[2] as string);
    }
    const slash = s.indexOf('/');
    if (slash < 0)
      return ipaddr.IPv4.isValidFourPartDecimal(s)
        ? ipaddr.IPv4.parse(s).toString() === addr.toString()
        : undefined;
    const base = s.slice(0, slash);
    const mask = s.slice(slash + 1);
    const bits = /^\d+$/.test(mask) ? Number(mask) : ipaddr.IPv4.parse(mask).prefixLengthFromSubnetMask();
    if (bits === null || !ipaddr.IPv4.isValidFourPartDecimal(base)) return undefined;
    return addr.match(ipaddr.IPv4.parse(base), bits);
  } catch {
    return undefined;
  }
}

/** Does a port list (`80`, `80,443`, `1000:2000`, `1000-2000`, `{ 80, 443 }`) contain `port`? */
export function portListMatches(list: string, port: number): boolean {
  return list
    .replace(/[{}\s]/g, '')
    .split(',')
    .filter((x) => x.length > 0)
    .some((item) => {
      const r = /^(\d+)[-:](\d+)$/.exec(item);
      if (r) return port >= Number(r[1]) && port <= Number(r[2]);
      return Number(item) === port;
    });
}
