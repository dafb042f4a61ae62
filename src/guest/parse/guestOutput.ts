/**
 * The guest check's stdout, section by section, into {@link GuestEvidence}: listeners, each firewall
 * tool's verdict on the probe, the local HTTP check, routes, interfaces and TCP timestamps.
 */
import type { GuestEvidence, GuestFirewallVerdict } from '../../model/evidence';
import { SECTIONS, splitSections } from '../sections';
import type { ScriptProbe } from '../scripts/values';
import { evaluateFirewalld, parseFirewalldListAll } from './firewalld';
import { parseHttpCheck } from './http';
import { evaluateIptables, parseIptables } from './iptables';
import { parseListeners } from './listeners';
import { evaluateNft, parseNftRuleset } from './nft';
import { parseInterfaces, parseRouteGet, parseTcpTimestamps } from './routes';
import { evaluateUfw, parseUfwStatus } from './ufw';
import { evaluateWindowsFirewall, parseWindowsFirewall } from './windowsFirewall';

/** Azure keeps the last 4096 bytes of a Run Command's output. */
export const RUN_COMMAND_OUTPUT_LIMIT = 4096;

const ABSENT = /^(not installed|not running|skipped)/;

export function parseGuestOutput(
  os: 'linux' | 'windows',
  stdout: string,
  probe: ScriptProbe,
  nicAddress: string,
): GuestEvidence {
  const { sections, cut } = splitSections(stdout);
  const packet = { port: probe.port, nicAddress };
  const warnings: string[] = [];
  if (cut !== undefined) warnings.push('output truncated: the first section lost its start marker');
  const firewall: GuestFirewallVerdict[] = [];
  const present = (name: string): string | undefined => {
    const body = sections.get(name);
    return body === undefined || ABSENT.test(body.trim()) ? undefined : body;
  };

  if (os === 'linux') {
    const ipt = present(SECTIONS.iptables);
    if (ipt !== undefined) firewall.push(evaluateIptables(parseIptables(ipt), packet));
    const nft = present(SECTIONS.nft);
    if (nft !== undefined && nft.trim() !== '') firewall.push(evaluateNft(parseNftRuleset(nft), packet));
    const fwd = present(SECTIONS.firewalld);
    if (fwd !== undefined) {
      const zone = parseFirewalldListAll(fwd);
      if (zone) firewall.push(evaluateFirewalld(zone, packet));
      else warnings.push('firewalld: --list-all output not understood');
    }
    const ufw = present(SECTIONS.ufw);
    if (ufw !== undefined) firewall.push(evaluateUfw(parseUfwStatus(ufw), packet));
  } else {
    const profiles = sections.get(SECTIONS.winfwProfile);
    const rules = sections.get(SECTIONS.winfwRules);
    if (profiles !== undefined && rules !== undefined) {
      firewall.push(evaluateWindowsFirewall(parseWindowsFirewall(profiles, rules), packet));
    } else {
      // A section cut away (Run Command keeps the last 4096 bytes and cuts from the front, possibly
      // on a line boundary) would otherwise read as "no rules": a Block rule silently dropped.
      const missing = [
        profiles === undefined ? 'winfw-profile' : '',
        rules === undefined ? 'winfw-rules' : '',
      ]
        .filter(Boolean)
        .join(' and ');
      firewall.push({
        tool: 'windows-firewall',
        active: true,
        decision: 'unknown',
        detail: `not determined: the ${missing} section${missing.includes(' and ') ? 's are' : ' is'} missing from the output${cut !== undefined || !sections.has(SECTIONS.winfwProfile) ? ` (cut: Run Command keeps only the last ${RUN_COMMAND_OUTPUT_LIMIT} bytes)` : ''}`,
      });
    }
  }
  if (os === 'linux' && !sections.has(SECTIONS.iptables)) {
    firewall.push({
      tool: 'iptables',
      active: true,
      decision: 'unknown',
      detail: `not determined: the iptables section is missing from the output (cut: Run Command keeps only the last ${RUN_COMMAND_OUTPUT_LIMIT} bytes)`,
    });
  }

  const listenText = sections.get(SECTIONS.listen);
  const parsedListen =
    listenText === undefined
      ? { source: 'none', listening: [], undetermined: 'the listen section is missing from the output' }
      : parseListeners(listenText);
  const { source, listening, undetermined } = parsedListen;
  if (listenText === undefined) warnings.push('listen: section missing');
  else if (source === 'unknown')
    warnings.push(`listen: output not understood: ${listenText.trim().split('\n')[0] ?? ''}`);
  else if (undetermined) warnings.push(`listen: ${undetermined}`);

  const evidence: GuestEvidence = {
    os,
    listening,
    listeningSource: source,
    ...(undetermined ? { listeningUndetermined: undetermined } : {}),
    firewall,
    warnings,
    rawOutput: stdout,
  };
  if (probe.protocol !== 'Tcp') {
    const scheme = probe.protocol === 'Https' ? 'https' : 'http';
    const url = `${scheme}://${nicAddress}:${probe.port}${probe.requestPath ?? '/'}`;
    const httpText = sections.get(SECTIONS.http);
    if (httpText === undefined) warnings.push('http: section missing');
    else evidence.http = parseHttpCheck(httpText, url);
  }
  const route = sections.get(SECTIONS.route);
  if (route !== undefined) evidence.routes = parseRouteGet(route);
  const addr = sections.get(SECTIONS.addr);
  if (addr !== undefined) evidence.interfaces = parseInterfaces(addr);
  const sysctl = sections.get(SECTIONS.sysctl);
  const ts = sysctl === undefined ? undefined : parseTcpTimestamps(sysctl);
  if (ts !== undefined) evidence.tcpTimestamps = ts;
  if (os === 'linux' && !sections.has(SECTIONS.iptables)) warnings.push('iptables: section missing');
  return evidence;
}
