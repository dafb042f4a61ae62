/**
 * iptables, in any of the forms the script or a person may capture (`iptables-save`, `iptables -S`,
 * `iptables -L -n [-v] [--line-numbers]`), parsed into chains and walked the way netfilter walks them:
 * INPUT in order, jumps into user chains (ufw-*, f2b-*, ...), first terminal match, RETURN, then the
 * chain policy. The reply is walked through OUTPUT as ESTABLISHED traffic: waagent-style rules that
 * drop NEW connections to 168.63.129.16 leave it alone, an unconditional drop does not.
 */
import type { GuestFirewallVerdict } from '../../model/evidence';
import { PROBE_SOURCE, addressMatches, portListMatches, type ProbePacket } from './packet';

/** One rule, reduced to the matches that can matter for a TCP probe. */
export interface IptablesRule {
  chain: string;
  /** The rule as printed. */
  text: string;
  target?: string;
  proto?: { value: string; neg: boolean };
  src?: { value: string; neg: boolean };
  dst?: { value: string; neg: boolean };
  inIface?: { value: string; neg: boolean };
  dports?: { value: string; neg: boolean };
  sports?: { value: string; neg: boolean };
  states?: { value: string[]; neg: boolean };
  dstType?: { value: string; neg: boolean };
  /** `-m owner`: which socket sent a packet, unknowable for a kernel-sent reply. */
  owner?: boolean;
  /**
   * `iptables -L` without `-v` hides the interface columns: a row with no visible condition may be
   * `-i lo`. Such rows are skipped (the usual `-i lo -j ACCEPT`), and the verdict says so.
   */
  ifaceHidden?: boolean;
}

export interface IptablesRuleset {
  policies: Map<string, string>;
  chains: Map<string, IptablesRule[]>;
}

const BUILTIN = new Set(['INPUT', 'OUTPUT', 'FORWARD', 'PREROUTING', 'POSTROUTING']);
const PROTO_NUMBERS: Record<string, string> = { '0': 'all', '6': 'tcp', '17': 'udp', '1': 'icmp' };

/** Splits a line into words, keeping "double quoted" strings (ufw's log prefixes) as one word. */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');
}

function addRule(rs: IptablesRuleset, rule: IptablesRule): void {
  const list = rs.chains.get(rule.chain) ?? [];
  list.push(rule);
  rs.chains.set(rule.chain, list);
}

/** Parses `-A CHAIN ...` (iptables-save and -S). */
function parseSpecRule(line: string): IptablesRule | undefined {
  const w = words(line);
  if (w[0] !== '-A' || w[1] === undefined) return undefined;
  const rule: IptablesRule = { chain: w[1], text: line };
  let neg = false;
  for (let i = 2; i < w.length; i++) {
    const t = w[i] as string;
    const next = w[i + 1] ?? '';
    const take = () => {
      i++;
      const v = { value: next, neg };
      neg = false;
      return v;
    };
    switch (t) {
      case '!':
        neg = true;
        continue;
      case '-s':
      case '--source':
        rule.src = take();
        break;
      case '-d':
      case '--destination':
        rule.dst = take();
        break;
      case '-p':
      case '--protocol': {
        const v = take();
        rule.proto = { value: PROTO_NUMBERS[v.value] ?? v.value.toLowerCase(), neg: v.neg };
        break;
      }
      case '-i':
      case '--in-interface':
        rule.inIface = take();
        break;
      case '--dport':
      case '--dports':
      case '--destination-port':
      case '--destination-ports':
        rule.dports = take();
        break;
      case '--sport':
      case '--sports':
      case '--source-port':
      case '--source-ports':
        rule.sports = take();
        break;
      case '--ctstate':
      case '--state': {
        const v = take();
        rule.states = { value: v.value.toUpperCase().split(','), neg: v.neg };
        break;
      }
      case '--dst-type':
        rule.dstType = take();
        break;
      case '--uid-owner':
      case '--gid-owner':
        rule.owner = true;
        i++;
        break;
      case '-j':
      case '--jump':
      case '-g':
      case '--goto':
        rule.target = next;
        // Whatever follows are the target's own options (--reject-with, --log-prefix).
        return rule;
      default:
        neg = false;
    }
  }
  return rule;
}

/** Parses a row of `iptables -L -n [-v] [--line-numbers]` under `Chain NAME`. */
function parseListRow(
  chain: string,
  line: string,
  verbose: boolean,
  numbered: boolean,
): IptablesRule | undefined {
  const w = words(line);
  if (numbered) w.shift();
  if (verbose) w.splice(0, 2);
  const [target, prot, , ...rest] = w;
  if (target === undefined || prot === undefined) return undefined;
  const inIface = verbose ? rest.shift() : undefined;
  if (verbose) rest.shift();
  const [source, destination, ...extra] = rest;
  const rule: IptablesRule = { chain, text: line.trim(), target };
  const neg = (v: string) => ({ value: v.replace(/^!/, ''), neg: v.startsWith('!') });
  const p = neg(prot);
  rule.proto = { value: PROTO_NUMBERS[p.value] ?? p.value.toLowerCase(), neg: p.neg };
  if (source !== undefined && source !== '0.0.0.0/0') rule.src = neg(source);
  if (destination !== undefined && destination !== '0.0.0.0/0') rule.dst = neg(destination);
  if (inIface !== undefined && inIface !== '*') rule.inIface = neg(inIface);
  if (!verbose && extra.length === 0 && rule.src === undefined && rule.dst === undefined)
    rule.ifaceHidden = true;
  for (let i = 0; i < extra.length; i++) {
    const t = extra[i] as string;
    const port = /^(!)?dpts?:(.+)$/.exec(t);
    if (port) rule.dports = { value: port[2] as string, neg: port[1] === '!' };
    const sport = /^(!)?spts?:(.+)$/.exec(t);
    if (sport) rule.sports = { value: sport[2] as string, neg: sport[1] === '!' };
    if (t === 'dports' && extra[i + 1]) rule.dports = neg(extra[++i] as string);
    if ((t === 'ctstate' || t === 'state') && extra[i + 1]) {
      const v = neg(extra[++i] as string);
      rule.states = { value: v.value.toUpperCase().split(','), neg: v.neg };
    }
    if (t === 'dst-type' && extra[i + 1]) rule.dstType = neg(extra[++i] as string);
    if (t === 'owner') rule.owner = true;
    if (t === 'reject-with' || t === 'prefix') i++;
  }
  return rule;
}

/**
 * Parses iptables output of any of the supported forms (only the `filter` table of iptables-save).
 * Repairs the "iptables-legacy tables present" warning when stderr was interleaved into a line.
 */
export function parseIptables(text: string): IptablesRuleset {
  const clean = text.replace(/# Warning: iptables-legacy tables present[^\n]*\n/g, '');
  const rs: IptablesRuleset = { policies: new Map(), chains: new Map() };
  let table = 'filter';
  let listChain: string | undefined;
  let verbose = false;
  let numbered = false;
  for (const raw of clean.split('\n')) {
    const line = raw.replace(/\s+$/, '');
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('*')) {
      table = line.slice(1);
      continue;
    }
    if (table !== 'filter' || line === 'COMMIT') continue;
    const decl = /^:(\S+) (\S+)/.exec(line);
    if (decl) {
      if (decl[2] !== '-') rs.policies.set(decl[1] as string, decl[2] as string);
      continue;
    }
    const pol = /^-P (\S+) (\S+)/.exec(line);
    if (pol) {
      rs.policies.set(pol[1] as string, pol[2] as string);
      continue;
    }
    if (line.startsWith('-A ')) {
      const rule = parseSpecRule(line);
      if (rule) addRule(rs, rule);
      continue;
    }
    const chain = /^Chain (\S+) \((?:policy (\w+))?/.exec(line);
    if (chain) {
      listChain = chain[1] ?? '';
      if (chain[2]) rs.policies.set(listChain, chain[2]);
      continue;
    }
    if (/^\s*(num|pkts|target)\s/.test(line)) {
      verbose = /\bpkts\b/.test(line);
      numbered = /^\s*num\b/.test(line);
      continue;
    }
    if (listChain !== undefined) {
      const rule = parseListRow(listChain, line, verbose, numbered);
      if (rule) addRule(rs, rule);
    }
  }
  return rs;
}

/** The packet a rule is matched against. `peerPort` undefined: the probe's ephemeral source port. */
interface Packet {
  src: string;
  dst: string;
  localPort?: number;
  peerPort?: number;
  /** Which port `--dport` names: the destination. */
  dport?: number;
  sport?: number;
  state: 'NEW' | 'ESTABLISHED';
}

function matches(rule: IptablesRule, pkt: Packet): boolean {
  const xor = (m: boolean, neg: boolean) => (neg ? !m : m);
  if (rule.proto && rule.proto.value !== 'all' && !xor(rule.proto.value === 'tcp', rule.proto.neg))
    return false;
  if (rule.src && !xor(addressMatches(rule.src.value, pkt.src) ?? false, rule.src.neg)) return false;
  if (rule.dst && !xor(addressMatches(rule.dst.value, pkt.dst) ?? false, rule.dst.neg)) return false;
  // The probe arrives on the NIC, never on loopback; any other interface name is assumed to be the NIC.
  if (rule.inIface && !xor(rule.inIface.value !== 'lo', rule.inIface.neg)) return false;
  if (rule.dports) {
    if (pkt.dport === undefined) return false;
    if (!xor(portListMatches(rule.dports.value, pkt.dport), rule.dports.neg)) return false;
  }
  if (rule.sports) {
    if (pkt.sport === undefined) return false;
    if (!xor(portListMatches(rule.sports.value, pkt.sport), rule.sports.neg)) return false;
  }
  if (rule.states && !xor(rule.states.value.includes(pkt.state), rule.states.neg)) return false;
  // The probe is addressed to the NIC: LOCAL; never broadcast, multicast or anything else.
  if (rule.dstType && !xor(rule.dstType.value.toUpperCase() === 'LOCAL', rule.dstType.neg)) return false;
  // A reply (SYN-ACK) is sent by the kernel for a listening socket: owner matches do not see a uid.
  if (rule.owner) return false;
  if (rule.ifaceHidden) return false;
  return true;
}

interface WalkResult {
  verdict: 'allow' | 'deny';
  rule: string;
}

function walk(rs: IptablesRuleset, chain: string, pkt: Packet, depth = 0): WalkResult | 'return' {
  if (depth > 32) return { verdict: 'allow', rule: `jump depth exceeded at ${chain}` };
  for (const rule of rs.chains.get(chain) ?? []) {
    if (rule.target === undefined || !matches(rule, pkt)) continue;
    const t = rule.target;
    if (t === 'ACCEPT') return { verdict: 'allow', rule: rule.text };
    if (t === 'DROP' || t === 'REJECT') return { verdict: 'deny', rule: rule.text };
    if (t === 'RETURN') return 'return';
    if (rs.chains.has(t) || /^[a-z]/.test(t)) {
      const inner = walk(rs, t, pkt, depth + 1);
      if (inner !== 'return') return inner;
    }
    // LOG, MARK, CT ...: non-terminating, carry on.
  }
  if (!BUILTIN.has(chain)) return 'return';
  const policy = rs.policies.get(chain) ?? 'ACCEPT';
  return { verdict: policy === 'ACCEPT' ? 'allow' : 'deny', rule: `-P ${chain} ${policy}` };
}

/** Whether the ruleset does anything: any rule, or a policy other than ACCEPT on INPUT or OUTPUT. */
function isActive(rs: IptablesRuleset): boolean {
  const ruleCount = [...rs.chains.values()].reduce((n, c) => n + c.length, 0);
  return ruleCount > 0 || ['INPUT', 'OUTPUT'].some((c) => (rs.policies.get(c) ?? 'ACCEPT') !== 'ACCEPT');
}

/**
 * Decides whether iptables lets the probe in (INPUT, state NEW) and its reply out (OUTPUT, state
 * ESTABLISHED).
 */
export function evaluateIptables(rs: IptablesRuleset, probe: ProbePacket): GuestFirewallVerdict {
  const active = isActive(rs);
  const hidden = [...rs.chains.values()].some((c) => c.some((r) => r.ifaceHidden));
  const note = hidden ? '; rows without visible conditions skipped (iptables -L without -v hides -i lo)' : '';
  // A capture of one user chain only (`iptables -L ufw-user-input`): judge that chain on its own.
  const entry = rs.chains.has('INPUT') || rs.policies.has('INPUT') ? 'INPUT' : rs.chains.keys().next().value;
  if (entry !== undefined && entry !== 'INPUT') {
    const partial = walk(rs, entry, {
      src: PROBE_SOURCE,
      dst: probe.nicAddress,
      dport: probe.port,
      state: 'NEW',
    });
    return partial === 'return'
      ? {
          tool: 'iptables',
          active,
          decision: 'unknown',
          detail: `no rule in ${entry} decides; INPUT not captured`,
        }
      : {
          tool: 'iptables',
          active,
          decision: partial.verdict,
          rule: partial.rule,
          detail: `only chain ${entry} captured`,
        };
  }
  const inbound = walk(rs, 'INPUT', {
    src: PROBE_SOURCE,
    dst: probe.nicAddress,
    dport: probe.port,
    state: 'NEW',
  });
  const inResult = inbound === 'return' ? { verdict: 'allow' as const, rule: '-P INPUT ACCEPT' } : inbound;
  if (inResult.verdict === 'deny') {
    return {
      tool: 'iptables',
      active,
      decision: 'deny',
      rule: inResult.rule,
      detail: 'INPUT drops the probe' + note,
    };
  }
  const reply = walk(rs, 'OUTPUT', {
    src: probe.nicAddress,
    dst: PROBE_SOURCE,
    sport: probe.port,
    state: 'ESTABLISHED',
  });
  if (reply !== 'return' && reply.verdict === 'deny') {
    return {
      tool: 'iptables',
      active,
      decision: 'deny',
      rule: reply.rule,
      detail: 'OUTPUT drops the reply to 168.63.129.16',
    };
  }
  return {
    tool: 'iptables',
    active,
    decision: 'allow',
    rule: inResult.rule,
    detail: 'INPUT accepts the probe' + note,
  };
}
