/**
 * The opt-in guest firewall fix: a Run Command script that lets TCP from 168.63.129.16 reach the probe
 * port, with the tool the guest check found (iptables, nftables, ufw, firewalld, Windows Firewall).
 * Idempotent: each branch checks for the rule first and prints `result=present` or `result=added`.
 * Every rule added carries a probe-doctor marker (comment, description) so a person can find it.
 * Values are validated and quoted with the guest module's helpers before they reach the script.
 */
import { UnsafeScriptValueError } from '../errors';
import { bashQuote, powershellQuote, type RunCommandScript } from '../guest/scripts/index';
import { validatePort } from '../guest/scripts/values';

export const PROBE_SOURCE_IP = '168.63.129.16';

/** The marker on every guest firewall rule probe-doctor adds. */
export const GUEST_RULE_MARKER = 'probe-doctor';

const LINUX_TOOLS = ['iptables', 'nftables', 'ufw', 'firewalld'] as const;

/** The nftables base chain the probe is dropped in: where the accept rule goes. */
export interface NftChainRef {
  family: 'ip' | 'inet';
  table: string;
  chain: string;
}

/** Whether the guest firewall block can be fixed by adding an allow rule, and if not, what to do. */
export type GuestFirewallFixability = { ok: true; nft?: NftChainRef } | { ok: false; change: string };

/** nft object names as `nft list ruleset` prints them; anything else is not passed to a script. */
const NFT_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

/** The evaluator's wording for a chain policy decision (src/guest/parse/nft.ts). */
const NFT_POLICY = /^table (ip|inet) (\S+) chain (\S+) policy drop$/;

/** The evaluator's wording for a profile default (src/guest/parse/windowsFirewall.ts). */
const WINDOWS_DEFAULT = /^\w+ DefaultInboundAction=\w+$/;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * The tool whose command adds the probe allow, from one guest-firewall finding: the finding's own tool,
 * except an iptables DROP in a chain ufw owns (`ufw-*`, `ufw6-*`; ufw-framework(8): ufw writes its
 * chains from /etc/ufw/*.rules and rebuilds them at every reload and boot), where a raw
 * `iptables -I INPUT 1` rule is not ufw's and ufw's own command is the change: `ufw insert 1 allow
 * proto tcp from 168.63.129.16 to any port N` (ufw(8), "insert NUM RULE";
 * manpages.ubuntu.com/manpages/noble/man8/ufw.8.html), which ufw saves in /etc/ufw/user.rules.
 * firewalld findings already carry `firewalld` (its rich rules, firewall-cmd(1)). Undefined when the
 * finding names no tool.
 */
export function firewallToolOf(evidence: Record<string, unknown>): string | undefined {
  const tool = str(evidence.tool);
  if (tool === 'iptables' && /^-A ufw6?-\S+ /.test(str(evidence.rule) ?? '')) return 'ufw';
  return tool;
}

/**
 * Decides from the guest check's evidence (`tool`, `rule`, `detail` of the verdict) whether an added
 * allow rule can beat the blocker:
 * - Windows Firewall: a Block rule wins over every Allow rule, so only a profile's default inbound
 *   action can be overcome by adding a rule;
 * - nftables: the accept goes into the chain whose policy drops; a drop rule, or a drop of the reply
 *   on the output hook, is not something an inserted input accept reliably fixes;
 * - iptables: only an INPUT drop is fixed by an INPUT accept.
 */
export function guestFirewallFixability(
  os: 'linux' | 'windows',
  port: number,
  evidence: Record<string, unknown>,
): GuestFirewallFixability {
  const tool = str(evidence.tool);
  const rule = str(evidence.rule);
  const detail = str(evidence.detail) ?? '';
  const allowText = `TCP from ${PROBE_SOURCE_IP} to port ${port}`;
  if (os === 'windows') {
    if (rule !== undefined && WINDOWS_DEFAULT.test(rule)) return { ok: true };
    return {
      ok: false,
      change: `a Windows Firewall block rule (${rule ?? 'unknown'}) wins over any allow rule: disable it or narrow it so it no longer covers ${allowText}`,
    };
  }
  if (/output|reply/i.test(detail)) {
    return {
      ok: false,
      change: `the ${tool ?? 'guest'} firewall drops the reply to ${PROBE_SOURCE_IP} (${rule ?? 'unknown rule'}): allow outbound TCP from port ${port} to ${PROBE_SOURCE_IP}`,
    };
  }
  // firewalld applies deny/reject rich rules before allow rich rules, whatever their order: an
  // added allow cannot outrank one. (A port the zone simply does not open is fixable by an allow.)
  if (tool === 'firewalld' && rule !== undefined && /\brule\b.*\b(reject|drop)\b/i.test(rule)) {
    return {
      ok: false,
      change: `the firewalld rich rule "${rule}" drops the probe and rich deny rules win over allows: remove it or narrow it so it no longer covers ${allowText}`,
    };
  }
  if (tool === 'nftables') {
    const m = rule !== undefined ? NFT_POLICY.exec(rule) : null;
    const [family, table, chain] = [m?.[1], m?.[2], m?.[3]];
    if (family && table && chain && NFT_NAME.test(table) && NFT_NAME.test(chain)) {
      return { ok: true, nft: { family: family as NftChainRef['family'], table, chain } };
    }
    return {
      ok: false,
      change: `the nftables rule "${rule ?? 'unknown'}" drops the probe: add "ip saddr ${PROBE_SOURCE_IP} tcp dport ${port} accept" before it in the same chain, or remove it`,
    };
  }
  return { ok: true };
}

function nftRef(nft: NftChainRef | undefined): NftChainRef {
  if (!nft) {
    throw new UnsafeScriptValueError('nft', 'nftables needs the table and chain that drop the probe');
  }
  for (const [name, value] of [
    ['nft.table', nft.table],
    ['nft.chain', nft.chain],
  ] as const) {
    if (!NFT_NAME.test(value)) {
      throw new UnsafeScriptValueError(
        name,
        `${name} must be an nftables name, got ${JSON.stringify(value)}`,
      );
    }
  }
  if (nft.family !== 'ip' && nft.family !== 'inet') {
    throw new UnsafeScriptValueError(
      'nft.family',
      `nft.family must be ip or inet, got ${JSON.stringify(nft.family)}`,
    );
  }
  return nft;
}

function windowsScript(p: number): RunCommandScript {
  const name = `probe-doctor-allow-probe-${p}`;
  return {
    commandId: 'RunPowerShellScript',
    script: [
      '# probe-doctor guest firewall allow',
      `$PD_PORT = ${powershellQuote(String(p))}`,
      `$PD_SOURCE = ${powershellQuote(PROBE_SOURCE_IP)}`,
      `$PD_NAME = ${powershellQuote(name)}`,
      "if (Get-NetFirewallRule -Name $PD_NAME -ErrorAction SilentlyContinue) { 'result=present' } else {",
      "  New-NetFirewallRule -Name $PD_NAME -DisplayName \"probe-doctor: allow Azure Load Balancer probe to port $PD_PORT\" -Description 'probe-doctor: allows the Azure Load Balancer health probe from 168.63.129.16' -Group 'probe-doctor' -Direction Inbound -Action Allow -Protocol TCP -LocalPort $PD_PORT -RemoteAddress $PD_SOURCE | Out-Null",
      "  'result=added'",
      '}',
      "'persist=windows-firewall'",
    ],
  };
}

/**
 * The script for one VM and port. `tool` is a GuestFirewallTool name from the guest check; unknown
 * or absent: `auto` picks ufw or firewalld when active, else iptables only where it is not a native
 * nftables host (there the table and chain are unknown and the script reports `unsupported`).
 * `nftables` requires `nft`, the chain the probe is dropped in.
 */
export function buildGuestFirewallAllowScript(
  os: 'linux' | 'windows',
  port: number,
  tool?: string,
  nft?: NftChainRef,
): RunCommandScript {
  const p = validatePort(port);
  if (os === 'windows') return windowsScript(p);
  const chosen = (LINUX_TOOLS as readonly string[]).includes(tool ?? '') ? (tool as string) : 'auto';
  const chain = chosen === 'nftables' ? nftRef(nft) : undefined;
  return {
    commandId: 'RunShellScript',
    script: [
      '# probe-doctor guest firewall allow',
      `PD_PORT=${bashQuote(String(p))}`,
      `PD_SOURCE=${bashQuote(PROBE_SOURCE_IP)}`,
      `PD_TOOL=${bashQuote(chosen)}`,
      ...(chain
        ? [
            `PD_NFT_FAMILY=${bashQuote(chain.family)}`,
            `PD_NFT_TABLE=${bashQuote(chain.table)}`,
            `PD_NFT_CHAIN=${bashQuote(chain.chain)}`,
          ]
        : []),
      'RICH="rule family=ipv4 source address=$PD_SOURCE port port=$PD_PORT protocol=tcp accept"',
      // Tables iptables-nft creates; any other table means the host's firewall is native nftables,
      // where an iptables rule may be evaluated in a different base chain than the one that drops.
      'native_nft() { command -v nft >/dev/null 2>&1 && nft list tables 2>/dev/null | grep -Evq "^table (ip|ip6) (filter|nat|mangle|raw|security)$"; }',
      'if [ "$PD_TOOL" = auto ]; then',
      '  if command -v ufw >/dev/null 2>&1 && ufw status | grep -q "^Status: active"; then PD_TOOL=ufw',
      '  elif command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then PD_TOOL=firewalld',
      '  elif native_nft; then echo "result=unsupported"; exit 0',
      '  elif command -v iptables >/dev/null 2>&1; then PD_TOOL=iptables',
      '  else echo "result=no-tool"; exit 0; fi',
      'fi',
      'echo "tool=$PD_TOOL"',
      'case "$PD_TOOL" in',
      '  ufw)',
      '    if ufw status | grep -Eq "^$PD_PORT/tcp +ALLOW( IN)? +$PD_SOURCE"; then echo result=present',
      // `ufw insert 1` fails when there is no rule 1 yet.
      '    elif ufw status numbered | grep -q "^\\[ *1\\]"; then ufw insert 1 allow proto tcp from "$PD_SOURCE" to any port "$PD_PORT" comment \'probe-doctor\' >/dev/null && echo result=added',
      '    else ufw allow proto tcp from "$PD_SOURCE" to any port "$PD_PORT" comment \'probe-doctor\' >/dev/null && echo result=added; fi',
      '    echo persist=ufw ;;',
      '  firewalld)',
      // The runtime rule and the permanent one, each added where it is missing, and never a reload:
      // `firewall-cmd --reload` drops every runtime-only rule an admin or another service added. The
      // halves this run added are printed, so its undo takes out those and never the owner's.
      '    PD_RT=0; PD_PM=0; PD_ADDED=',
      '    firewall-cmd --query-rich-rule="$RICH" >/dev/null 2>&1 && PD_RT=1',
      '    firewall-cmd --permanent --query-rich-rule="$RICH" >/dev/null 2>&1 && PD_PM=1',
      '    if [ "$PD_RT" = 1 ] && [ "$PD_PM" = 1 ]; then echo result=present',
      '    else',
      '      if [ "$PD_RT" = 0 ] && firewall-cmd --add-rich-rule="$RICH" >/dev/null; then PD_RT=1; PD_ADDED=runtime; fi',
      '      if [ "$PD_PM" = 0 ] && firewall-cmd --permanent --add-rich-rule="$RICH" >/dev/null; then PD_PM=1; PD_ADDED="${PD_ADDED:+$PD_ADDED,}permanent"; fi',
      '      echo "added=$PD_ADDED"',
      // Anything written is reported, so its undo is kept; validation says whether the probe passes.
      '      if [ -n "$PD_ADDED" ]; then echo result=added; fi',
      '    fi',
      '    if [ "$PD_PM" = 1 ]; then echo persist=firewalld-permanent; else echo persist=none; fi ;;',
      '  iptables)',
      '    if iptables -C INPUT -s "$PD_SOURCE" -p tcp --dport "$PD_PORT" -m comment --comment probe-doctor -j ACCEPT 2>/dev/null; then echo result=present',
      '    else iptables -I INPUT 1 -s "$PD_SOURCE" -p tcp --dport "$PD_PORT" -m comment --comment probe-doctor -j ACCEPT && echo result=added; fi',
      // Runtime only, and never a save of the ruleset: `netfilter-persistent save` or `service iptables
      // save` writes every rule of the moment to the boot file, Docker's, kube-proxy's and fail2ban's
      // included, which then come back at boot beside their owners' own. The report says how to keep it.
      '    echo persist=none ;;',
      '  nftables)',
      '    if nft list chain "$PD_NFT_FAMILY" "$PD_NFT_TABLE" "$PD_NFT_CHAIN" 2>/dev/null | grep -q "ip saddr $PD_SOURCE tcp dport $PD_PORT accept"; then echo result=present',
      '    else nft insert rule "$PD_NFT_FAMILY" "$PD_NFT_TABLE" "$PD_NFT_CHAIN" ip saddr "$PD_SOURCE" tcp dport "$PD_PORT" accept comment \'"probe-doctor"\' && echo result=added; fi',
      // The ruleset file is the user's: the report says how to keep the rule after a reboot.
      '    echo persist=none ;;',
      'esac',
    ],
  };
}

/**
 * The commands a person runs inside the guest to add the probe allow by hand, and to take it out
 * again, with whether the rule survives a reboot. Each tool keeps its rules its own way: ufw saves
 * every rule it adds (/etc/ufw/user.rules), firewalld keeps `--permanent` rules, Windows Firewall
 * rules live in the persistent policy store; an iptables rule is runtime only until a person writes it
 * into the file iptables-persistent or iptables-services restores at boot (probe-doctor never saves the
 * whole ruleset, which would also save other services' rules of the moment), and an nft rule until it
 * is written into the ruleset file the nftables service loads at boot (/etc/nftables.conf).
 */
export interface GuestFirewallCommands {
  tool: string;
  /** The shell (or PowerShell) command that adds the allow. */
  allow: string;
  /** The command that removes it again. */
  undo: string;
  /** Whether the allow, once added by `allow`, is still there after a reboot. */
  persistent: boolean;
  /** How the tool keeps it, or what a person must do so it survives a reboot. */
  persistence: string;
}

/** The probe allow and its undo for a guest firewall tool (see GuestFirewallCommands). */
export function guestFirewallCommands(
  os: 'linux' | 'windows',
  port: number,
  tool?: string,
  nft?: NftChainRef,
): GuestFirewallCommands {
  const p = validatePort(port);
  const src = PROBE_SOURCE_IP;
  if (os === 'windows') {
    const name = `probe-doctor-allow-probe-${p}`;
    return {
      tool: 'windows-firewall',
      allow: `New-NetFirewallRule -Name ${name} -DisplayName 'probe-doctor: allow Azure Load Balancer probe to port ${p}' -Group probe-doctor -Direction Inbound -Action Allow -Protocol TCP -LocalPort ${p} -RemoteAddress ${src}`,
      undo: `Remove-NetFirewallRule -Name ${name}`,
      persistent: true,
      persistence: 'Windows Firewall keeps the rule in its persistent policy store',
    };
  }
  const rich = richRule(p);
  const iptablesRule = `INPUT -s ${src} -p tcp --dport ${p} -m comment --comment probe-doctor -j ACCEPT`;
  switch (tool) {
    case 'ufw':
      return {
        tool,
        allow: `ufw insert 1 allow proto tcp from ${src} to any port ${p} comment probe-doctor`,
        undo: `ufw delete allow proto tcp from ${src} to any port ${p}`,
        persistent: true,
        persistence: 'ufw saves the rule in /etc/ufw/user.rules',
      };
    case 'firewalld':
      // Runtime and permanent each, never `--reload` (it drops every runtime-only rule of the host).
      return {
        tool,
        allow: `firewall-cmd --add-rich-rule=${bashQuote(rich)} && firewall-cmd --permanent --add-rich-rule=${bashQuote(rich)}`,
        undo: firewalldUndo(p, { runtime: true, permanent: true }),
        persistent: true,
        persistence: 'firewalld keeps --permanent rules',
      };
    case 'nftables': {
      const c = nftRef(nft);
      const chain = `${c.family} ${c.table} ${c.chain}`;
      return {
        tool,
        allow: `nft insert rule ${chain} ip saddr ${src} tcp dport ${p} accept comment '"probe-doctor"'`,
        // This port's allow only: every probe-doctor rule carries the same comment.
        undo: `nft -a list chain ${chain} | awk '/"probe-doctor"/ && / tcp dport ${p} / {print $NF}' | xargs -r -n1 nft delete rule ${chain} handle`,
        persistent: false,
        persistence: `runtime only: add "ip saddr ${src} tcp dport ${p} accept" to chain ${c.chain} of table ${c.family} ${c.table} in /etc/nftables.conf (the file the nftables service loads at boot) to keep it after a reboot`,
      };
    }
    default:
      return {
        tool: 'iptables',
        allow: `iptables -I ${iptablesRule.replace(/^INPUT/, 'INPUT 1')}`,
        undo: `iptables -D ${iptablesRule}`,
        persistent: false,
        persistence: `runtime only: probe-doctor does not save the ruleset (netfilter-persistent save or service iptables save would also save the rules Docker, kube-proxy or fail2ban hold at that moment); to keep it after a reboot, add "-A ${iptablesRule.replace(/^INPUT -s (\S+)/, 'INPUT -s $1/32').replace('-p tcp', '-p tcp -m tcp')}" before the first "-A INPUT" line of the *filter table in /etc/iptables/rules.v4 (iptables-persistent) or /etc/sysconfig/iptables (iptables-services)`,
      };
  }
}

/** Which halves of a firewalld rule the script added (its `added=` line); undefined for other tools. */
export function parseFirewalldHalves(stdout: string): { runtime: boolean; permanent: boolean } | undefined {
  const line = /^added=([a-z,]*)\s*$/m.exec(stdout.replace(/\r\n/g, '\n'))?.[1];
  if (line === undefined) return undefined;
  const halves = line.split(',');
  return { runtime: halves.includes('runtime'), permanent: halves.includes('permanent') };
}

/** The firewalld rich rule that admits the probe to `port` (the script's `$RICH`, with its values). */
const richRule = (port: number): string =>
  `rule family=ipv4 source address=${PROBE_SOURCE_IP} port port=${validatePort(port)} protocol=tcp accept`;

/** The undo of the firewalld halves this run added, and of nothing else. */
export function firewalldUndo(port: number, halves: { runtime: boolean; permanent: boolean }): string {
  const rich = bashQuote(richRule(port));
  return [
    ...(halves.runtime ? [`firewall-cmd --remove-rich-rule=${rich}`] : []),
    ...(halves.permanent ? [`firewall-cmd --permanent --remove-rich-rule=${rich}`] : []),
  ].join('; ');
}

/**
 * How the script's rule is kept (its `persist=` line): `ufw`, `firewalld-permanent`,
 * `windows-firewall`, or `none` (runtime only: iptables and nftables).
 */
export function parseGuestFirewallPersistence(stdout: string): string | undefined {
  return /^persist=([a-z-]+)\s*$/m.exec(stdout.replace(/\r\n/g, '\n'))?.[1];
}

/** What the script reported; undefined when it printed no result. */
export type GuestFirewallAllowResult = 'added' | 'present' | 'no-tool' | 'unsupported';

/** Reads the script's `result=` line. */
export function parseGuestFirewallAllowOutput(stdout: string): GuestFirewallAllowResult | undefined {
  const result = /^result=(added|present|no-tool|unsupported)\s*$/m.exec(stdout.replace(/\r\n/g, '\n'))?.[1];
  return result as GuestFirewallAllowResult | undefined;
}
