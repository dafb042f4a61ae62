/**
 * The sandbox's answer to probe-doctor's guest firewall allow script (the fix that opens the probe port in the guest):
 * applies it to the guest state and prints what the real script prints. The script's commands are
 * silent on success (`>/dev/null`, `2>/dev/null`, `| Out-Null`), so the output is only its own echo
 * lines: `tool=<tool>` (Linux, after the tool is chosen), `result=added|present|unsupported` and
 * `persist=<how the tool keeps the rule>`.
 */
import type { GuestFirewallEntry, GuestState } from '../scenario';

/** The first line that marks the script (the remediate module writes it). */
export const FIREWALL_ALLOW_MARKER = '# probe-doctor guest firewall allow';

const WIRE = '168.63.129.16';

/**
 * Entries the script added. iptables (`-m comment --comment probe-doctor`, checked by `iptables -C`)
 * and Windows Firewall (`Get-NetFirewallRule -Name probe-doctor-allow-probe-<port>`) find only their
 * own rule, so an owner's identical allow does not count as present there. The scenario schema has no
 * field for a rule's comment or name; a WeakSet keeps the mark without changing the contract.
 */
const added = new WeakSet<GuestFirewallEntry>();

/** What the real script would choose with `PD_TOOL`, or `unsupported` for an auto run on native nft. */
export function chooseTool(
  guest: GuestState,
  os: 'linux' | 'windows',
  requested: string | undefined,
): string {
  if (os === 'windows') return 'windows';
  if (requested && requested !== 'auto') return requested;
  // Auto: ufw or firewalld when active, native nftables refused, else iptables (the guest check
  // renders a guest without a tool as iptables too).
  const tool = guest.firewallTool;
  if (tool === 'ufw' || tool === 'firewalld') return tool;
  if (tool === 'nftables') return 'unsupported';
  return 'iptables';
}

const isWire = (source: string | undefined) => source === WIRE || source === `${WIRE}/32`;

/**
 * The rule list the tool writes to: on a firewalld guest, `iptables` writes beside firewalld (the
 * scenario's `iptablesRules`), every other tool to the guest's firewall.
 */
function rulesOf(guest: GuestState, tool: string): GuestFirewallEntry[] {
  if (tool === 'iptables' && guest.firewallTool === 'firewalld') return (guest.iptablesRules ??= []);
  return guest.firewall;
}

/** Whether the tool's own existence check (the script's first branch) finds the allow. */
function isPresent(guest: GuestState, tool: string, port: number): boolean {
  return rulesOf(guest, tool).some(
    (e) =>
      e.action === 'allow' &&
      e.protocol === 'tcp' &&
      e.port === port &&
      isWire(e.source) &&
      // ufw, firewalld and nft match the rule's text; iptables -C and Windows match only their own.
      (tool === 'iptables' || tool === 'windows' ? added.has(e) : true),
  );
}

/**
 * The `persist=` line the real script prints per tool (src/remediate/guestFirewall.ts): ufw saves its
 * rules, firewalld's rule goes to the permanent set, Windows Firewall keeps its rules; an iptables or
 * nft rule is runtime only (the script never saves a ruleset).
 */
const PERSISTENCE: Record<string, string> = {
  ufw: 'ufw',
  firewalld: 'firewalld-permanent',
  windows: 'windows-firewall',
  iptables: 'none',
  nftables: 'none',
};

/**
 * Runs the allow script against `guest`: inserts `allow tcp <port> from 168.63.129.16/32` at the top
 * of the tool's rules (see rulesOf) unless the tool's check finds it. Returns the stdout and whether the guest
 * changed (the caller bumps the state version).
 */
export function applyFirewallAllow(
  guest: GuestState,
  os: 'linux' | 'windows',
  vars: Record<string, string>,
): { stdout: string; changed: boolean } {
  const port = Number(vars.PD_PORT ?? '0');
  const tool = chooseTool(guest, os, vars.PD_TOOL);
  // The script exits before its `tool=` line when it refuses.
  if (tool === 'unsupported') return { stdout: 'result=unsupported\n', changed: false };
  const toolLine = os === 'linux' ? `tool=${tool}\n` : '';
  // The script's last line says how the tool keeps the rule, present or added alike.
  const persist = `persist=${PERSISTENCE[tool] ?? 'none'}\n`;
  if (isPresent(guest, tool, port))
    return { stdout: `${toolLine}result=present\n${persist}`, changed: false };
  // iptables -I INPUT 1, ufw insert 1, nft insert: the new rule is evaluated first. (firewalld
  // evaluates deny rich rules before allows whatever their order; the probe model reads in order.)
  const entry: GuestFirewallEntry = { action: 'allow', protocol: 'tcp', port, source: `${WIRE}/32` };
  rulesOf(guest, tool).unshift(entry);
  added.add(entry);
  return { stdout: `${toolLine}result=added\n${persist}`, changed: true };
}
