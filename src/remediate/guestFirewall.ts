/**
 * The opt-in guest firewall fix: a Run Command script that lets TCP from 168.63.129.16 reach the probe
 * port, with the tool the guest check found (iptables, nftables, ufw, firewalld, Windows Firewall).
 * Idempotent: each branch checks for the rule first and prints `result=present` or `result=added`.
 * Values are validated and quoted with the guest module's helpers before they reach the script.
 */
import { bashQuote, powershellQuote, type RunCommandScript } from '../guest/scripts/index';
import { validatePort } from '../guest/scripts/values';

export const PROBE_SOURCE_IP = '168.63.129.16';

const LINUX_TOOLS = ['iptables', 'nftables', 'ufw', 'firewalld'] as const;

/**
 * The script for one VM and port. `tool` is a GuestFirewallTool name from the guest check; unknown
 * or absent: the first active tool found is used.
 */
export function buildGuestFirewallAllowScript(
  os: 'linux' | 'windows',
  port: number,
  tool?: string,
): RunCommandScript {
  const p = validatePort(port);
  if (os === 'windows') {
    const name = `probe-doctor-allow-probe-${p}`;
    return {
      commandId: 'RunPowerShellScript',
      script: [
        '# probe-doctor guest firewall allow',
        `$PD_PORT = ${powershellQuote(String(p))}`,
        `$PD_SOURCE = ${powershellQuote(PROBE_SOURCE_IP)}`,
        `$PD_NAME = ${powershellQuote(name)}`,
        "if (Get-NetFirewallRule -Name $PD_NAME -ErrorAction SilentlyContinue) { 'result=present' } else {",
        '  New-NetFirewallRule -Name $PD_NAME -DisplayName $PD_NAME -Direction Inbound -Action Allow -Protocol TCP -LocalPort $PD_PORT -RemoteAddress $PD_SOURCE | Out-Null',
        "  'result=added'",
        '}',
      ],
    };
  }
  const chosen = (LINUX_TOOLS as readonly string[]).includes(tool ?? '') ? (tool as string) : 'auto';
  return {
    commandId: 'RunShellScript',
    script: [
      '# probe-doctor guest firewall allow',
      `PD_PORT=${bashQuote(String(p))}`,
      `PD_SOURCE=${bashQuote(PROBE_SOURCE_IP)}`,
      `PD_TOOL=${bashQuote(chosen)}`,
      'RICH="rule family=ipv4 source address=$PD_SOURCE port port=$PD_PORT protocol=tcp accept"',
      'if [ "$PD_TOOL" = auto ]; then',
      '  if command -v ufw >/dev/null 2>&1 && ufw status | grep -q "^Status: active"; then PD_TOOL=ufw',
      '  elif command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then PD_TOOL=firewalld',
      '  elif command -v iptables >/dev/null 2>&1; then PD_TOOL=iptables',
      '  elif command -v nft >/dev/null 2>&1; then PD_TOOL=nftables',
      '  else echo "result=no-tool"; exit 0; fi',
      'fi',
      'echo "tool=$PD_TOOL"',
      'case "$PD_TOOL" in',
      '  ufw)',
      '    if ufw status | grep -Eq "^$PD_PORT/tcp +ALLOW +$PD_SOURCE"; then echo result=present',
      '    else ufw insert 1 allow proto tcp from "$PD_SOURCE" to any port "$PD_PORT" >/dev/null && echo result=added; fi ;;',
      '  firewalld)',
      '    if firewall-cmd --query-rich-rule="$RICH" >/dev/null 2>&1; then echo result=present',
      '    else firewall-cmd --add-rich-rule="$RICH" >/dev/null && firewall-cmd --permanent --add-rich-rule="$RICH" >/dev/null && echo result=added; fi ;;',
      '  iptables)',
      '    if iptables -C INPUT -s "$PD_SOURCE" -p tcp --dport "$PD_PORT" -j ACCEPT 2>/dev/null; then echo result=present',
      '    else iptables -I INPUT 1 -s "$PD_SOURCE" -p tcp --dport "$PD_PORT" -j ACCEPT && echo result=added; fi ;;',
      '  nftables)',
      '    if nft list chain inet filter input 2>/dev/null | grep -q "ip saddr $PD_SOURCE tcp dport $PD_PORT accept"; then echo result=present',
      '    else nft insert rule inet filter input ip saddr "$PD_SOURCE" tcp dport "$PD_PORT" accept && echo result=added; fi ;;',
      'esac',
    ],
  };
}

/** What the script reported: `added`, `present`, `no-tool`, or undefined when it printed no result. */
export function parseGuestFirewallAllowOutput(stdout: string): 'added' | 'present' | 'no-tool' | undefined {
  const result = /^result=(added|present|no-tool)\s*$/m.exec(stdout.replace(/\r\n/g, '\n'))?.[1];
  return result as 'added' | 'present' | 'no-tool' | undefined;
}
