/**
 * What the inside of a VM does with one inbound TCP connection: firewall, the reply's route, and the
 * listener. Shared by the probe model and the peer flow model.
 *
 * Firewall semantics follow each OS:
 * - Linux (iptables, nftables, ufw): rules in order, first match wins, default accept.
 * - firewalld: deny (drop, reject) rules before allow rules whatever their order ("By default, rich
 *   rules are organized based on their rule action. For example, deny rules have precedence over
 *   allow rules": RHEL "Prioritizing rich rules"; firewalld's `_deny` chain before `_allow`), default
 *   accept. Rules added with `iptables` beside it (`iptablesRules`) come first: a drop there is final,
 *   an accept goes on to firewalld's rules (Fedora 32 release notes: "DROP in iptables means a packet
 *   is never seen by firewalld. ACCEPT in iptables means a packet is still subject to firewalld rules").
 * - Windows Defender Firewall: every rule that matches is considered, and a Block rule overrides any
 *   Allow rule; with no matching rule the profile's DefaultInboundAction decides
 *   (learn.microsoft.com, windows/security/operating-system-security/network-security/windows-firewall/
 *   rules: "block rules take precedence over allow rules"; Get-NetFirewallProfile DefaultInboundAction).
 */
import { contains } from '../truth/address';
import type { GuestFirewallEntry, GuestState } from '../scenario';

/** The guest's answer: accepted, silently dropped (the sender times out), or reset (RST). */
export type GuestOutcome =
  | { outcome: 'accept' }
  | { outcome: 'drop' | 'reset'; stage: 'vm' | 'firewall' | 'route' | 'listener'; detail: string };

/** A Windows guest's firewall as Windows holds it: its rules and the profile's default inbound action. */
export interface WindowsFirewall {
  rules: GuestFirewallEntry[];
  defaultInboundAction: 'Allow' | 'Block';
}

const catchAll = (e: GuestFirewallEntry) =>
  e.action !== 'allow' && e.protocol === 'any' && e.port === undefined && e.source === undefined;

/**
 * The Windows view of a guest's entries. With `defaultInboundAction` given, every entry is a rule. Without
 * it, a list that ends in a catch-all deny is a first-match list saying "deny the rest": that entry is the
 * profile's default (Block), not a Block rule, which on Windows would override every allow.
 */
export function windowsFirewall(guest: GuestState): WindowsFirewall {
  if (guest.defaultInboundAction)
    return { rules: guest.firewall, defaultInboundAction: guest.defaultInboundAction };
  const last = guest.firewall[guest.firewall.length - 1];
  if (last && catchAll(last)) return { rules: guest.firewall.slice(0, -1), defaultInboundAction: 'Block' };
  return { rules: guest.firewall, defaultInboundAction: 'Allow' };
}

/** Device name of the NIC at `index` in the VM's network profile, as the guest calls it. */
export function deviceName(os: GuestState['os'], index: number): string {
  if (os === 'linux') return `eth${index}`;
  return index === 0 ? 'Ethernet' : `Ethernet ${index + 1}`;
}

function routeBits(destination: string): number | undefined {
  if (destination === 'default' || destination === '0.0.0.0/0') return 0;
  if (!destination.includes('/')) return 32;
  const bits = Number(destination.split('/')[1]);
  return Number.isInteger(bits) ? bits : undefined;
}

/**
 * The device the reply to `peerIp` leaves by: the longest matching guest route; `arrived` when the
 * scenario gives no routes (every reply leaves by the NIC it came in on); undefined when none matches.
 */
export function replyDevice(guest: GuestState, peerIp: string, arrived: string): string | undefined {
  if (guest.routes === undefined) return arrived;
  let best: { device: string; bits: number } | undefined;
  for (const route of guest.routes) {
    const bits = routeBits(route.destination);
    if (bits === undefined) continue;
    const prefix =
      bits === 0
        ? '0.0.0.0/0'
        : route.destination.includes('/')
          ? route.destination
          : `${route.destination}/32`;
    if (contains(prefix, peerIp) && (!best || bits > best.bits)) best = { device: route.device, bits };
  }
  return best?.device;
}

/** Addresses a listener accepts a connection to `nicIp` on: wildcards and the NIC's own address. */
function listenerAccepts(address: string, nicIp: string | undefined): boolean {
  const a = address.replace(/^\[|\]$/g, '');
  return a === '0.0.0.0' || a === '::' || a === '*' || (nicIp !== undefined && a === nicIp);
}

/**
 * Follows one TCP connection from `sourceIp` to `nicIp:port` arriving on the NIC at `nicIndex`.
 * Order: power state, firewall, the reply's route, the listener.
 */
export function guestAccepts(
  guest: GuestState,
  nicIndex: number,
  nicIp: string | undefined,
  sourceIp: string,
  port: number,
): GuestOutcome {
  if (guest.powerState !== 'running') {
    return { outcome: 'drop', stage: 'vm', detail: `the VM is ${guest.powerState}` };
  }
  const matches = (e: GuestFirewallEntry) =>
    (e.protocol === 'tcp' || e.protocol === 'any') &&
    (e.port === undefined || e.port === port) &&
    (e.source === undefined || contains(e.source.includes('/') ? e.source : `${e.source}/32`, sourceIp));
  const what = (e: GuestFirewallEntry) =>
    `guest firewall ${e.action}s tcp/${e.port ?? 'any'} from ${e.source ?? 'any'}`;
  if (guest.os === 'windows') {
    const fw = windowsFirewall(guest);
    const hits = fw.rules.filter(matches);
    const block = hits.find((e) => e.action !== 'allow');
    if (block)
      return { outcome: 'drop', stage: 'firewall', detail: `${what(block)} (a Block rule overrides allows)` };
    if (hits.length === 0 && fw.defaultInboundAction === 'Block') {
      return {
        outcome: 'drop',
        stage: 'firewall',
        detail: `no guest firewall rule allows tcp/${port}; the profile's DefaultInboundAction is Block`,
      };
    }
  } else {
    const denies = (e: GuestFirewallEntry) => matches(e) && e.action !== 'allow';
    const layers =
      guest.firewallTool === 'firewalld'
        ? [
            (guest.iptablesRules ?? []).find(matches),
            guest.firewall.find(denies) ?? guest.firewall.find(matches),
          ]
        : [guest.firewall.find(matches)];
    const rule = layers.find((r) => r !== undefined && r.action !== 'allow');
    if (rule) {
      return { outcome: rule.action === 'deny' ? 'drop' : 'reset', stage: 'firewall', detail: what(rule) };
    }
  }
  const arrived = deviceName(guest.os, nicIndex);
  const leaves = replyDevice(guest, sourceIp, arrived);
  if (leaves !== arrived) {
    const how = leaves ? `leaves by ${leaves}` : 'has no route';
    return {
      outcome: 'drop',
      stage: 'route',
      detail: `the reply to ${sourceIp} ${how}, not ${arrived} where the SYN arrived`,
    };
  }
  const listening = guest.listening.filter((l) => l.protocol === 'tcp' && l.port === port);
  if (!listening.some((l) => listenerAccepts(l.address, nicIp))) {
    const bound = listening.map((l) => l.address).join(', ');
    const detail = bound
      ? `port ${port} listens only on ${bound}, not ${nicIp ?? 'the NIC address'}`
      : `nothing listens on tcp/${port}`;
    return { outcome: 'reset', stage: 'listener', detail };
  }
  return { outcome: 'accept' };
}
