/**
 * `ufw status` (plain, verbose, numbered): IN rules in order, first match wins, then the default
 * incoming policy (printed only by `verbose`). OUT rules do not see the probe's reply: ufw tracks
 * connections, and a reply is ESTABLISHED.
 */
import type { GuestFirewallVerdict } from '../../model/evidence';
import { PROBE_SOURCE, addressMatches, portListMatches, type ProbePacket } from './packet';

export interface UfwStatus {
  active: boolean;
  /** `deny`, `allow` or `reject`, from `Default: deny (incoming), ...`; undefined when not printed. */
  defaultIncoming?: string;
  rules: { to: string; action: string; direction: string; from: string; text: string }[];
}

export function parseUfwStatus(text: string): UfwStatus {
  const active = /^Status: active/m.test(text);
  const def = /^Default: (\w+) \(incoming\)/m.exec(text)?.[1];
  const rules: UfwStatus['rules'] = [];
  let inTable = false;
  for (const raw of text.split('\n')) {
    const line = raw
      .replace(/^\[\s*\d+\]\s*/, '')
      .replace(/\s+\(out\)\s*$/, '')
      .trimEnd();
    if (/^\s*To\s+Action\s+From/.test(line)) {
      inTable = true;
      continue;
    }
    if (!inTable || /^\s*--/.test(line) || line.trim() === '') continue;
    const m = /^\s*(.+?)\s+(ALLOW|DENY|REJECT|LIMIT)(?:\s+(IN|OUT|FWD))?\s+(.+?)\s*$/.exec(line);
    if (m) {
      rules.push({
        to: m[1] as string,
        action: m[2] as string,
        direction: m[3] ?? 'IN',
        from: m[4] as string,
        text: line.trim(),
      });
    }
  }
  return def === undefined ? { active, rules } : { active, defaultIncoming: def, rules };
}

/** Does a ufw `To`/`From` field (`80/tcp`, `Anywhere`, `10.0.0.4 80/tcp`, `10.0.0.0/24`) cover the packet? */
function endpointMatches(field: string, address: string, port: number | undefined): boolean | undefined {
  if (/\(v6\)/.test(field)) return false;
  let addrOk = true;
  let portOk = true;
  for (const part of field.split(/\s+/)) {
    if (part === 'Anywhere' || part === 'any') continue;
    const portSpec = /^([\d,:]+)(?:\/(tcp|udp))?$/.exec(part);
    if (portSpec && !/^\d+\.\d+/.test(part)) {
      if (portSpec[2] === 'udp') return false;
      portOk = port !== undefined && portListMatches(portSpec[1] as string, port);
      continue;
    }
    const a = addressMatches(part, address);
    if (a === undefined) return undefined; // an application profile name (OpenSSH, "Nginx Full")
    addrOk = a;
  }
  return addrOk && portOk;
}

export function evaluateUfw(status: UfwStatus, probe: ProbePacket): GuestFirewallVerdict {
  if (!status.active) return { tool: 'ufw', active: false, decision: 'allow', detail: 'Status: inactive' };
  for (const rule of status.rules) {
    if (rule.direction !== 'IN') continue;
    const to = endpointMatches(rule.to, probe.nicAddress, probe.port);
    const from = endpointMatches(rule.from, PROBE_SOURCE, undefined);
    if (to === undefined || from === undefined) continue;
    if (to && from) {
      return {
        tool: 'ufw',
        active: true,
        decision: rule.action === 'ALLOW' || rule.action === 'LIMIT' ? 'allow' : 'deny',
        rule: rule.text,
      };
    }
  }
  if (status.defaultIncoming === undefined) {
    return {
      tool: 'ufw',
      active: true,
      decision: 'unknown',
      detail: 'no rule matches and the default policy was not printed',
    };
  }
  return {
    tool: 'ufw',
    active: true,
    decision: status.defaultIncoming === 'allow' ? 'allow' : 'deny',
    rule: `Default: ${status.defaultIncoming} (incoming)`,
  };
}
