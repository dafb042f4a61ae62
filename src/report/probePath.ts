/**
 * The health probe's path to one backend, hop by hop, as probe-doctor found it before any fix:
 * 168.63.129.16 -> security admin rules -> subnet NSG -> NIC NSG -> guest firewall -> listener /
 * HTTP answer. A hop fails when a cause names it (with the rule that decides it); hops behind the
 * first failure are not reached. Pure: the HTML report draws it.
 */
import type { BackendFacts } from './facts';
import { lastName } from './facts';

export type HopId = 'source' | 'admin' | 'subnet-nsg' | 'nic-nsg' | 'guest-firewall' | 'listener';
export type HopStatus = 'pass' | 'fail' | 'not-reached';

export interface Hop {
  id: HopId;
  title: string;
  status: HopStatus;
  /** The rule or fact that decides the hop (for a failing hop: the blocking rule). */
  decidedBy?: string;
  /** A few words of it that fit in the drawing: the rule name and priority, the status code. */
  short?: string;
}

const TITLES: Record<HopId, string> = {
  source: '168.63.129.16',
  admin: 'Security admin rules',
  'subnet-nsg': 'Subnet NSG',
  'nic-nsg': 'NIC NSG',
  'guest-firewall': 'Guest firewall',
  listener: 'Listener / HTTP',
};

export const HOP_ORDER: readonly HopId[] = [
  'source',
  'admin',
  'subnet-nsg',
  'nic-nsg',
  'guest-firewall',
  'listener',
];

const s = (v: unknown): string | undefined =>
  typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;

/** The hop a cause's evidence points at, and the rule that decides it there. */
function failureOf(
  id: string,
  e: Record<string, unknown>,
): { hop: HopId; decidedBy: string; short: string } | undefined {
  switch (id) {
    case 'nsg-blocks-probe': {
      const hop: HopId =
        e.level === 'admin' || e.adminRule === true ? 'admin' : e.level === 'nic' ? 'nic-nsg' : 'subnet-nsg';
      const where = hop === 'admin' ? 'admin rule' : `${lastName(s(e.nsgId))} rule`;
      return {
        hop,
        decidedBy: `${where} ${s(e.ruleName) ?? '?'} (priority ${s(e.priority) ?? '?'}) ${s(e.access) ?? 'Deny'}`,
        short: `${s(e.ruleName) ?? '?'} · ${s(e.priority) ?? '?'}`,
      };
    }
    case 'guest-firewall-blocks-probe':
      return {
        hop: 'guest-firewall',
        decidedBy: `${s(e.tool) ?? 'firewall'}: ${(s(e.rule) ?? s(e.detail) ?? 'drops the probe').replace(/\s+/g, ' ')}`,
        short: `${s(e.tool) ?? 'firewall'} drops`,
      };
    case 'not-listening':
      return {
        hop: 'listener',
        decidedBy: `nothing listens on port ${s(e.port) ?? 'the probe port'}`,
        short: `nothing on ${s(e.port) ?? 'the port'}`,
      };
    case 'probe-endpoint-error':
      return {
        hop: 'listener',
        decidedBy: `GET ${s(e.url) ?? s(e.requestPath) ?? '?'} -> ${s(e.status) ?? s(e.error) ?? 'no answer'}`,
        short: `HTTP ${s(e.status) ?? 'no answer'}`,
      };
    case 'vm-not-running':
      return {
        hop: 'listener',
        decidedBy: `VM ${s(e.powerState) ?? 'not running'}: nothing answers`,
        short: `VM ${s(e.powerState) ?? 'not running'}`,
      };
    case 'vm-unhealthy':
      return {
        hop: 'listener',
        decidedBy: `VM unhealthy${s(e.reason) ? `: ${s(e.reason)}` : ''}`,
        short: 'VM unhealthy',
      };
    case 'route-diverts-probe':
      return {
        hop: 'listener',
        decidedBy: 'the reply to 168.63.129.16 leaves by another route',
        short: 'reply misrouted',
      };
    default:
      return undefined;
  }
}

/** The hops for one backend. With no cause that names a hop (`unknown`), every hop passes. */
export function probePath(backend: BackendFacts): Hop[] {
  const failures = new Map<HopId, { decidedBy: string[]; short: string }>();
  for (const c of backend.causes) {
    for (const e of c.evidence.length > 0 ? c.evidence : [{}]) {
      const f = failureOf(c.id, e);
      if (!f) continue;
      const known = failures.get(f.hop);
      failures.set(f.hop, {
        decidedBy: [...(known?.decidedBy ?? []), f.decidedBy],
        short: known?.short ?? f.short,
      });
    }
  }
  let blocked = false;
  return HOP_ORDER.map((id): Hop => {
    const fails = failures.get(id);
    if (fails) {
      blocked = true;
      return {
        id,
        title: TITLES[id],
        status: 'fail',
        decidedBy: [...new Set(fails.decidedBy)].join('; '),
        short: fails.short,
      };
    }
    return { id, title: TITLES[id], status: blocked ? 'not-reached' : 'pass' };
  });
}

/** The first failing hop, or undefined when every hop passes. */
export function failingHop(hops: readonly Hop[]): Hop | undefined {
  return hops.find((h) => h.status === 'fail');
}
