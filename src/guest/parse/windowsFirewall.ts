/**
 * Windows Firewall from the script's compact lines: `active=Public`, one `Name Enabled=.. DefaultInboundAction=..`
 * per profile, and `Action|Profile|Protocol|LocalPort|RemoteAddress|DisplayName` per enabled inbound rule
 * that covers the probe port. Block rules win over allow rules; then the profile's default inbound action
 * (NotConfigured means Block).
 */
import type { GuestFirewallVerdict } from '../../model/evidence';
import { PROBE_SOURCE, addressMatches, portListMatches, type ProbePacket } from './packet';

export interface WindowsFirewall {
  activeProfile?: string;
  profiles: { name: string; enabled: boolean; defaultInbound: string }[];
  rules: {
    action: string;
    profile: string;
    protocol: string;
    localPort: string;
    remoteAddress: string;
    name: string;
    text: string;
  }[];
}

export function parseWindowsFirewall(profileText: string, rulesText: string): WindowsFirewall {
  const active = /^active=(\w+)/m.exec(profileText)?.[1];
  const profiles = [...profileText.matchAll(/^(\w+) Enabled=(\w+) DefaultInboundAction=(\w+)/gm)].map(
    (m) => ({
      name: m[1] as string,
      enabled: m[2] === 'True',
      defaultInbound: m[3] as string,
    }),
  );
  const rules = rulesText
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.split('|').length >= 6)
    .map((text) => {
      const [action, profile, protocol, localPort, remoteAddress, ...name] = text.split('|');
      return {
        action: action ?? '',
        profile: profile ?? '',
        protocol: protocol ?? '',
        localPort: localPort ?? '',
        remoteAddress: remoteAddress ?? '',
        name: name.join('|'),
        text,
      };
    });
  const fw: WindowsFirewall = { profiles, rules };
  if (active !== undefined && active !== 'unknown')
    fw.activeProfile = active === 'DomainAuthenticated' ? 'Domain' : active;
  return fw;
}

function ruleCovers(
  rule: WindowsFirewall['rules'][number],
  profile: string | undefined,
  probe: ProbePacket,
): boolean {
  const profiles = rule.profile.split(/,\s*/);
  if (profile !== undefined && !profiles.includes('Any') && !profiles.includes(profile)) return false;
  if (!/^(TCP|Any|6)$/i.test(rule.protocol)) return false;
  const ports = rule.localPort.split(',');
  if (!ports.includes('Any') && !portListMatches(ports.join(','), probe.port)) return false;
  return rule.remoteAddress.split(',').some((a) => addressMatches(a, PROBE_SOURCE) ?? false);
}

export function evaluateWindowsFirewall(fw: WindowsFirewall, probe: ProbePacket): GuestFirewallVerdict {
  const profile = fw.profiles.find((p) => p.name === fw.activeProfile);
  const enabled = profile ? profile.enabled : fw.profiles.some((p) => p.enabled);
  if (!enabled) {
    return {
      tool: 'windows-firewall',
      active: false,
      decision: 'allow',
      detail: `profile ${fw.activeProfile ?? 'unknown'} disabled`,
    };
  }
  const covering = fw.rules.filter((r) => ruleCovers(r, fw.activeProfile, probe));
  const block = covering.find((r) => r.action === 'Block');
  if (block)
    return {
      tool: 'windows-firewall',
      active: true,
      decision: 'deny',
      rule: block.text,
      detail: 'a block rule wins over allow rules',
    };
  const allow = covering.find((r) => r.action === 'Allow');
  if (allow) return { tool: 'windows-firewall', active: true, decision: 'allow', rule: allow.text };
  if (!profile)
    return {
      tool: 'windows-firewall',
      active: true,
      decision: 'unknown',
      detail: 'active profile unknown and no rule covers the probe',
    };
  const allowDefault = profile.defaultInbound === 'Allow';
  return {
    tool: 'windows-firewall',
    active: true,
    decision: allowDefault ? 'allow' : 'deny',
    rule: `${profile.name} DefaultInboundAction=${profile.defaultInbound}`,
    detail: allowDefault ? undefined : 'no inbound allow rule covers the probe port',
  };
}
