/**
 * `firewall-cmd --list-all` for the zone of the probe's interface. firewalld orders a zone's filtering
 * as rich-rule deny (drop/reject) before rich-rule allow, services and ports, then the zone target
 * (`default` and `%%REJECT%%` reject, `DROP` drops, `ACCEPT` accepts).
 */
import type { GuestFirewallVerdict } from '../../model/evidence';
import { PROBE_SOURCE, addressMatches, portListMatches, type ProbePacket } from './packet';

/** TCP ports of the firewalld service definitions a probe plausibly targets. */
export const FIREWALLD_SERVICE_PORTS: Readonly<Record<string, number[]>> = {
  http: [80],
  https: [443],
  http3: [],
  ssh: [22],
  mysql: [3306],
  postgresql: [5432],
  redis: [6379],
  mongodb: [27017],
  'ms-wbt': [3389],
  'wbem-https': [5986],
  ldap: [389],
  ldaps: [636],
  dns: [53],
  smtp: [25],
  imaps: [993],
  'kube-apiserver': [6443],
  elasticsearch: [9200, 9300],
};

export interface FirewalldZone {
  zone: string;
  target: string;
  services: string[];
  ports: string[];
  richRules: string[];
}

export function parseFirewalldListAll(text: string): FirewalldZone | undefined {
  const lines = text.split('\n');
  const header = lines.find((l) => /^\S/.test(l));
  if (header === undefined) return undefined;
  const field = (name: string) => new RegExp(`^\\s+${name}:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim() ?? '';
  const richStart = lines.findIndex((l) => /^\s+rich rules:/.test(l));
  const richRules =
    richStart < 0
      ? []
      : lines
          .slice(richStart + 1)
          .filter((l) => /^\s+rule /.test(l))
          .map((l) => l.trim());
  return {
    zone: header.replace(/\s*\(.*\)$/, '').trim(),
    target: field('target'),
    services: field('services').split(/\s+/).filter(Boolean),
    ports: field('ports').split(/\s+/).filter(Boolean),
    richRules,
  };
}

/** Does a rich rule (inbound, in the zone) cover the probe? Returns its action, or undefined. */
function richRuleAction(rule: string, probe: ProbePacket): string | undefined {
  const attr = (re: RegExp) => re.exec(rule)?.[1];
  const family = attr(/family="(\w+)"/);
  if (family === 'ipv6') return undefined;
  const src = /source (NOT )?address="([^"]+)"/.exec(rule);
  if (src) {
    const ok = addressMatches(src[2] as string, PROBE_SOURCE) ?? false;
    if (ok === (src[1] !== undefined)) return undefined;
  }
  const dst = /destination (NOT )?address="([^"]+)"/.exec(rule);
  if (dst) {
    const ok = addressMatches(dst[2] as string, probe.nicAddress) ?? false;
    if (ok === (dst[1] !== undefined)) return undefined;
  }
  const port = attr(/port port="([^"]+)"/);
  if (port !== undefined) {
    if (attr(/port port="[^"]+" protocol="(\w+)"/) === 'udp') return undefined;
    if (!portListMatches(port, probe.port)) return undefined;
  }
  const service = attr(/service name="([^"]+)"/);
  if (service !== undefined && !(FIREWALLD_SERVICE_PORTS[service] ?? []).includes(probe.port))
    return undefined;
  return / (accept|reject|drop)\b/.exec(rule)?.[1];
}

export function evaluateFirewalld(zone: FirewalldZone, probe: ProbePacket): GuestFirewallVerdict {
  const actions = zone.richRules.map((r) => ({ rule: r, action: richRuleAction(r, probe) }));
  const deny = actions.find((a) => a.action === 'reject' || a.action === 'drop');
  if (deny)
    return {
      tool: 'firewalld',
      active: true,
      decision: 'deny',
      rule: deny.rule,
      detail: `zone ${zone.zone}`,
    };
  const allow = actions.find((a) => a.action === 'accept');
  if (allow)
    return {
      tool: 'firewalld',
      active: true,
      decision: 'allow',
      rule: allow.rule,
      detail: `zone ${zone.zone}`,
    };
  const service = zone.services.find((s) => (FIREWALLD_SERVICE_PORTS[s] ?? []).includes(probe.port));
  if (service) {
    return {
      tool: 'firewalld',
      active: true,
      decision: 'allow',
      rule: `services: ${service}`,
      detail: `zone ${zone.zone}`,
    };
  }
  const port = zone.ports.find((p) => {
    const [range, proto] = p.split('/');
    return proto === 'tcp' && portListMatches(range ?? '', probe.port);
  });
  if (port)
    return {
      tool: 'firewalld',
      active: true,
      decision: 'allow',
      rule: `ports: ${port}`,
      detail: `zone ${zone.zone}`,
    };
  const accept = zone.target === 'ACCEPT';
  return {
    tool: 'firewalld',
    active: true,
    decision: accept ? 'allow' : 'deny',
    rule: `target: ${zone.target}`,
    detail: `zone ${zone.zone}: no service, port or rich rule admits port ${probe.port}`,
  };
}
