/**
 * `nft list ruleset` (native tables and the ones iptables-nft manages), walked as netfilter does: every
 * base chain on the input hook of an ip/inet table, in priority order; an accept ends only that chain,
 * a drop or reject ends the packet; the chain's policy applies when no rule decides. The reply is
 * walked through the output hook as ESTABLISHED traffic.
 */
import type { GuestFirewallVerdict } from '../../model/evidence';
import { PROBE_SOURCE, addressMatches, portListMatches, type ProbePacket } from './packet';

export interface NftChain {
  table: string;
  family: string;
  name: string;
  hook?: string;
  priority: number;
  policy: string;
  rules: string[];
}

const NAMED_PRIORITY: Record<string, number> = {
  raw: -300,
  mangle: -150,
  dstnat: -100,
  filter: 0,
  security: 50,
  srcnat: 100,
};

function parsePriority(expr: string): number {
  const m = /^(-?\w+)\s*(?:([+-])\s*(\d+))?$/.exec(expr.trim());
  if (!m) return 0;
  const base = NAMED_PRIORITY[m[1] as string] ?? Number(m[1]);
  const offset = m[3] ? Number(m[3]) * (m[2] === '-' ? -1 : 1) : 0;
  return (Number.isFinite(base) ? base : 0) + offset;
}

/** Parses the ruleset into chains (sets, maps and flowtables are skipped). */
export function parseNftRuleset(text: string): NftChain[] {
  const chains: NftChain[] = [];
  let table: { family: string; name: string } | undefined;
  let chain: NftChain | undefined;
  let skipDepth = 0;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s*# handle \d+\s*$/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    if (skipDepth > 0) {
      skipDepth += (line.match(/{/g) ?? []).length - (line.match(/}/g) ?? []).length;
      continue;
    }
    const t = /^table (\w+) (\S+) \{/.exec(line);
    if (t) {
      table = { family: t[1] as string, name: t[2] as string };
      continue;
    }
    const c = /^chain (\S+) \{/.exec(line);
    if (c && table) {
      chain = {
        table: table.name,
        family: table.family,
        name: c[1] as string,
        priority: 0,
        policy: 'accept',
        rules: [],
      };
      chains.push(chain);
      continue;
    }
    if (/^(set|map|flowtable|ct \w+|counter|quota|limit) \S+ \{/.test(line)) {
      skipDepth = (line.match(/{/g) ?? []).length - (line.match(/}/g) ?? []).length;
      continue;
    }
    if (line === '}') {
      if (chain) chain = undefined;
      else table = undefined;
      continue;
    }
    if (!chain) continue;
    const base = /^type \w+ hook (\w+)(?: device \S+)? priority ([^;]+);(?:\s*policy (\w+);)?/.exec(line);
    if (base) {
      chain.hook = base[1];
      chain.priority = parsePriority(base[2] as string);
      chain.policy = base[3] ?? 'accept';
      continue;
    }
    chain.rules.push(line);
  }
  return chains;
}

interface Packet {
  src: string;
  dst: string;
  dport?: number;
  sport?: number;
  state: 'new' | 'established';
}

type Outcome =
  | { kind: 'accept' }
  | { kind: 'drop' }
  | { kind: 'return' }
  | { kind: 'continue' }
  | { kind: 'jump' | 'goto'; target: string };

/** Words of a rule, with `{ a, b }` sets collapsed to one word. */
function ruleWords(rule: string): string[] {
  const collapsed = rule
    .replace(/\{([^}]*)\}/g, (_m, inner: string) => `{${inner.replace(/\s+/g, '')}}`)
    .replace(/\bcounter packets \d+ bytes \d+/g, '')
    .replace(/comment "[^"]*"/g, '');
  return collapsed.split(/\s+/).filter((w) => w.length > 0);
}

/** Matches one rule against the packet; returns the verdict it takes, or undefined for no match. */
function evalRule(rule: string, pkt: Packet): Outcome | undefined {
  const w = ruleWords(rule);
  let i = 0;
  const value = (): { v: string; neg: boolean } => {
    let neg = false;
    if (w[i] === '!=') {
      neg = true;
      i++;
    }
    return { v: w[i++] ?? '', neg };
  };
  const check = (ok: boolean, neg: boolean) => (neg ? !ok : ok);
  while (i < w.length) {
    const t = w[i++] as string;
    switch (t) {
      case 'iif':
      case 'iifname': {
        const { v, neg } = value();
        if (!check(v.replace(/"/g, '') !== 'lo', neg)) return undefined;
        break;
      }
      case 'oif':
      case 'oifname': {
        const { v, neg } = value();
        if (!check(v.replace(/"/g, '') !== 'lo', neg)) return undefined;
        break;
      }
      case 'ct': {
        if (w[i] === 'state') {
          i++;
          const { v, neg } = value();
          if (!check(v.replace(/[{}]/g, '').split(',').includes(pkt.state), neg)) return undefined;
        } else i += 2;
        break;
      }
      case 'ip': {
        const field = w[i++];
        if (field === 'saddr' || field === 'daddr') {
          const { v, neg } = value();
          const addr = field === 'saddr' ? pkt.src : pkt.dst;
          const ok = v
            .replace(/[{}]/g, '')
            .split(',')
            .some((a) => addressMatches(a, addr) ?? false);
          if (!check(ok, neg)) return undefined;
        } else if (field === 'protocol') {
          const { v, neg } = value();
          if (!check(/(^|[{,])(tcp|6)([,}]|$)/.test(v), neg)) return undefined;
        } else i++;
        break;
      }
      case 'ip6':
      case 'icmp':
      case 'icmpv6':
      case 'udp':
      case 'sctp':
        return undefined;
      case 'meta':
      case 'l4proto':
      case 'nfproto':
      case 'skuid':
      case 'skgid': {
        const key = t === 'meta' ? w[i++] : t;
        if (key === 'skuid' || key === 'skgid') return undefined; // owner of a kernel-sent reply: none
        const { v, neg } = value();
        if (key === 'l4proto' && !check(/(^|[{,])(tcp|6)([,}]|$)/.test(v), neg)) return undefined;
        if (key === 'nfproto' && !check(v === 'ipv4', neg)) return undefined;
        break;
      }
      case 'tcp':
      case 'th': {
        const field = w[i++];
        if (field === 'dport' || field === 'sport') {
          const { v, neg } = value();
          const port = field === 'dport' ? pkt.dport : pkt.sport;
          if (port === undefined) return undefined;
          if (!check(portListMatches(v, port), neg)) return undefined;
        } else if (field === 'flags') {
          value();
        }
        break;
      }
      case 'accept':
        return { kind: 'accept' };
      case 'drop':
      case 'reject':
        return { kind: 'drop' };
      case 'return':
        return { kind: 'return' };
      case 'jump':
      case 'goto':
        return { kind: t, target: w[i] ?? '' };
      default:
        // log, limit, counter, tcp flags...: non-terminating or not about this packet.
        break;
    }
  }
  return { kind: 'continue' };
}

interface Decision {
  verdict: 'accept' | 'drop' | 'return';
  rule: string;
}

function walkChain(chains: NftChain[], chain: NftChain, pkt: Packet, depth = 0): Decision {
  for (const rule of chain.rules) {
    const out = evalRule(rule, pkt);
    if (out === undefined || out.kind === 'continue') continue;
    if (out.kind === 'accept' || out.kind === 'drop') return { verdict: out.kind, rule };
    if (out.kind === 'return') return { verdict: 'return', rule };
    const name = out.target;
    const target = chains.find(
      (c) => c.table === chain.table && c.family === chain.family && c.name === name,
    );
    if (!target || depth > 32) continue;
    const inner = walkChain(chains, target, pkt, depth + 1);
    if (inner.verdict !== 'return') return inner;
    if (out.kind === 'goto') return inner;
  }
  return { verdict: 'return', rule: '' };
}

function walkHook(
  chains: NftChain[],
  hook: string,
  pkt: Packet,
): { verdict: 'accept' | 'drop'; rule: string } {
  const bases = chains
    .filter((c) => c.hook === hook && (c.family === 'ip' || c.family === 'inet'))
    .sort((a, b) => a.priority - b.priority);
  let last = { verdict: 'accept' as 'accept' | 'drop', rule: 'no base chain' };
  for (const base of bases) {
    const d = walkChain(chains, base, pkt);
    const verdict = d.verdict === 'return' ? (base.policy === 'drop' ? 'drop' : 'accept') : d.verdict;
    const rule =
      d.verdict === 'return'
        ? `table ${base.family} ${base.table} chain ${base.name} policy ${base.policy}`
        : d.rule;
    if (verdict === 'drop') return { verdict, rule };
    last = { verdict, rule };
  }
  return last;
}

/** Decides whether nftables lets the probe in and its reply out. */
export function evaluateNft(chains: NftChain[], probe: ProbePacket): GuestFirewallVerdict {
  const active = chains.some((c) => c.hook !== undefined);
  const inbound = walkHook(chains, 'input', {
    src: PROBE_SOURCE,
    dst: probe.nicAddress,
    dport: probe.port,
    state: 'new',
  });
  if (inbound.verdict === 'drop') {
    return {
      tool: 'nftables',
      active,
      decision: 'deny',
      rule: inbound.rule,
      detail: 'input hook drops the probe',
    };
  }
  const reply = walkHook(chains, 'output', {
    src: probe.nicAddress,
    dst: PROBE_SOURCE,
    sport: probe.port,
    state: 'established',
  });
  if (reply.verdict === 'drop') {
    return {
      tool: 'nftables',
      active,
      decision: 'deny',
      rule: reply.rule,
      detail: 'output hook drops the reply to 168.63.129.16',
    };
  }
  return {
    tool: 'nftables',
    active,
    decision: 'allow',
    rule: inbound.rule,
    detail: 'input hook accepts the probe',
  };
}
