/**
 * The Windows guest check, as RunPowerShellScript lines (Windows PowerShell 5.1, what Run Command
 * runs). Values are validated by the caller and set once, in verbatim single-quoted strings, at the top.
 * Sections whose format no cmdlet fixes (firewall rules, routes) are printed one compact line per item.
 */
import { SECTIONS, SECTION_END, sectionStart } from '../sections';
import { PEER_TEST_TIMEOUT_SECONDS, WIRE_SERVER } from './linux';
import { portList, powershellQuote, type PeerTarget, type ScriptValues } from './values';

const section = (name: string, body: string[]): string[] => [
  `'${sectionStart(name)}'`,
  ...body,
  `'${SECTION_END}'`,
];

/** The variable lines at the top of the script. */
export function windowsVariables(vars: Record<string, string>): string[] {
  return Object.entries(vars).map(([k, v]) => `$${k} = ${powershellQuote(v)}`);
}

/** Builds the RunPowerShellScript lines for one probe on one NIC address. */
export function windowsGuestScript(values: ScriptValues): string[] {
  const vars: Record<string, string> = {
    PD_PORT: String(values.port),
    PD_ADDR: values.address,
    PD_PROTO: values.protocol,
  };
  if (values.path !== undefined) vars.PD_PATH = values.path;
  // Every probe port, for the firewall filter: a rule for another probe's port decides that probe.
  vars.PD_PORTS = portList(values);
  (values.others ?? []).forEach((other, i) => {
    vars[`PD_PORT_${i + 2}`] = String(other.port);
    vars[`PD_PROTO_${i + 2}`] = other.protocol;
    if (other.path !== undefined) vars[`PD_PATH_${i + 2}`] = other.path;
  });
  vars.PD_WIRE = WIRE_SERVER;
  const lines = [
    '# probe-doctor guest check (windows) v1',
    ...windowsVariables(vars),
    "$ErrorActionPreference = 'Continue'",
    "$ProgressPreference = 'SilentlyContinue'",
    "$pdPorts = @($PD_PORTS -split ',' | ForEach-Object { [int]$_ })",
    "function PdPortCovers($spec) { foreach ($s in @($spec)) { if ($s -eq 'Any') { return $true }; foreach ($pdPort in $pdPorts) { if ($s -match '^(\\d+)-(\\d+)$') { if ($pdPort -ge [int]$Matches[1] -and $pdPort -le [int]$Matches[2]) { return $true } } elseif ([string]$s -eq [string]$pdPort) { return $true } } }; return $false }",
    ...section(SECTIONS.winfwProfile, [
      "try { 'active={0}' -f (Get-NetConnectionProfile -ErrorAction Stop | Select-Object -First 1).NetworkCategory } catch { 'active=unknown' }",
      "Get-NetFirewallProfile | ForEach-Object { '{0} Enabled={1} DefaultInboundAction={2}' -f $_.Name, $_.Enabled, $_.DefaultInboundAction }",
    ]),
    // One query per filter type, joined by InstanceID: per-rule filter queries take minutes on a VM
    // with hundreds of rules. Only enabled inbound TCP/Any rules that cover the probe port are printed.
    ...section(SECTIONS.winfwRules, [
      '$pdPf = @{}; foreach ($f in Get-NetFirewallPortFilter -All) { $pdPf[$f.InstanceID] = $f }',
      '$pdAf = @{}; foreach ($f in Get-NetFirewallAddressFilter -All) { $pdAf[$f.InstanceID] = $f }',
      'foreach ($r in Get-NetFirewallRule -Direction Inbound -Enabled True) {',
      '  $pf = $pdPf[$r.InstanceID]; $af = $pdAf[$r.InstanceID]',
      "  if ($pf -and ($pf.Protocol -eq 'TCP' -or $pf.Protocol -eq 'Any') -and (PdPortCovers $pf.LocalPort)) {",
      "    '{0}|{1}|{2}|{3}|{4}|{5}' -f $r.Action, $r.Profile, $pf.Protocol, (@($pf.LocalPort) -join ','), (@($af.RemoteAddress) -join ','), $r.DisplayName",
      '  }',
      '}',
    ]),
    ...section(SECTIONS.addr, [
      "Get-NetIPAddress -AddressFamily IPv4 | ForEach-Object { '{0}/{1} {2}' -f $_.IPAddress, $_.PrefixLength, $_.InterfaceAlias }",
    ]),
    ...section(SECTIONS.route, [
      "try { $fr = Find-NetRoute -RemoteIPAddress $PD_WIRE -ErrorAction Stop; $ip = $fr | Where-Object { $_.IPAddress } | Select-Object -First 1; $rt = $fr | Where-Object { $_.NextHop } | Select-Object -First 1; '{0} via {1} src {2} dev {3}' -f $PD_WIRE, $rt.NextHop, $ip.IPAddress, $rt.InterfaceAlias } catch { 'error={0}' -f $_.Exception.Message }",
    ]),
    ...section(SECTIONS.listen, [
      'try { Get-NetTCPConnection -State Listen -ErrorAction Stop | Sort-Object LocalPort | Format-Table -Property LocalAddress,LocalPort,OwningProcess -AutoSize | Out-String -Width 120 }',
      "catch { netstat -an | Select-String 'LISTENING' | ForEach-Object { $_.Line } }",
    ]),
  ];
  if (values.protocol !== 'Tcp') lines.push(...windowsHttpCheck(SECTIONS.http, ''));
  (values.others ?? []).forEach((other, i) => {
    if (other.protocol !== 'Tcp') lines.push(...windowsHttpCheck(`${SECTIONS.http}-${i + 2}`, `_${i + 2}`));
  });
  lines.push("'=== done ==='");
  return lines;
}

/** The local GET of one HTTP(S) probe, reading its `$PD_*<suffix>` variables, in section `name`. */
function windowsHttpCheck(name: string, suffix: string): string[] {
  return [
    "$pdScheme = 'http'",
    // The probe accepts any SHA256-or-stronger chain and checks no host name: skip validation here
    // so a certificate the local client would reject is not mistaken for the probe's failure. And it
    // negotiates TLS 1.2 only (docs/probe-facts.md): so does this GET, so a listener that refuses 1.2
    // fails here as it fails the probe. The URL's host is the NIC address: the Host the probe sends,
    // and no SNI (.NET sends none for an IP literal).
    `if ($PD_PROTO${suffix} -eq 'Https') { $pdScheme = 'https'; [System.Net.ServicePointManager]::ServerCertificateValidationCallback = { $true }; [System.Net.ServicePointManager]::SecurityProtocol = [System.Net.SecurityProtocolType]::Tls12 }`,
    `$PD_URL = '{0}://{1}:{2}{3}' -f $pdScheme, $PD_ADDR, $PD_PORT${suffix}, $PD_PATH${suffix}`,
    ...section(name, [
      // The answer's first 512 characters as one `body=` line (as the Linux check prints it): Windows
      // PowerShell and PowerShell 7 both put an error answer's body in ErrorDetails.Message.
      "function pdBody($t) { if ($t) { $b = [string]$t; if ($b.Length -gt 512) { $b = $b.Substring(0, 512) }; 'body={0}' -f ($b -replace '[^\\x20-\\x7E]', ' ') } }",
      '$pdSt = 0',
      "try { $r = Invoke-WebRequest -Uri $PD_URL -UseBasicParsing -TimeoutSec 5 -MaximumRedirection 0 -ErrorAction Stop; $pdSt = [int]$r.StatusCode; 'status={0}' -f $pdSt; pdBody $r.Content }",
      "catch { if ($_.Exception.Response) { $pdSt = [int]$_.Exception.Response.StatusCode; 'status={0}' -f $pdSt }; if ($_.ErrorDetails) { pdBody $_.ErrorDetails.Message }; 'error={0}' -f $_.Exception.Message }",
      // Not 200: the same GET for up to two host names IIS binds on this port (bindingInformation is
      // `IP:port:host`), with that name as Host and, for HTTPS, SNI, through curl.exe (Windows Server
      // 2019 and later ship it; Invoke-WebRequest in Windows PowerShell cannot send SNI for an IP).
      // Plain DNS names only; each reaches curl.exe as one argument. Printed as the Linux check does:
      // `host=<name>`, then curl's `%{http_code}` and ` exit=N` (its stderr dropped).
      '$pdCurl = Get-Command curl.exe -ErrorAction SilentlyContinue',
      'if ($pdSt -ne 200 -and $pdCurl -and (Get-Command Get-WebBinding -ErrorAction SilentlyContinue)) {',
      `  $pdNames = @(Get-WebBinding -Port ([int]$PD_PORT${suffix}) | ForEach-Object { ([string]$_.bindingInformation -split ':')[2] } | Where-Object { $_ -match '^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$' -and $_ -notmatch '^[0-9.]+$' } | Select-Object -Unique -First 2)`,
      '  foreach ($pdN in $pdNames) {',
      "    'host={0}' -f $pdN",
      `    if ($pdScheme -eq 'https') { $pdO = & $pdCurl.Source -s -k -g -o NUL -w '%{http_code}' --tlsv1.2 --tls-max 1.2 --connect-timeout 3 --max-time 5 --resolve ('{0}:{1}:{2}' -f $pdN, $PD_PORT${suffix}, $PD_ADDR) --url ('https://{0}:{1}{2}' -f $pdN, $PD_PORT${suffix}, $PD_PATH${suffix}) 2>$null }`,
      "    else { $pdO = & $pdCurl.Source -s -g -o NUL -w '%{http_code}' --connect-timeout 3 --max-time 5 -H ('Host: {0}' -f $pdN) --url $PD_URL 2>$null }",
      "    '{0} exit={1}' -f ([string]$pdO).Trim(), $LASTEXITCODE",
      '  }',
      '}',
    ]),
  ];
}

/**
 * The peer test (validation) of every target at once, in Windows PowerShell 5.1: one
 * `System.Net.Sockets.TcpClient.ConnectAsync` per target, all started before any is awaited, then each
 * awaited until {@link PEER_TEST_TIMEOUT_SECONDS} after the start, so the whole script takes one
 * timeout however many targets it has (Test-NetConnection has no timeout: a dropped port costs it
 * about 21 s each). Each target prints one line, `peer n=<n> address=<ip> port=<port> tool=TcpClient
 * status=<the task's TaskStatus> elapsed_ms=<ms until seen done> output=<the SocketException's
 * message>`. Addresses and ports are variables set once, in verbatim strings, at the top.
 */
export function windowsPeerTestScript(targets: readonly PeerTarget[]): string[] {
  const vars: Record<string, string> = {};
  targets.forEach((t, i) => {
    vars[`PD_TARGET_${i + 1}`] = t.address;
    vars[`PD_PORT_${i + 1}`] = String(t.port);
  });
  const ms = PEER_TEST_TIMEOUT_SECONDS * 1000;
  return [
    '# probe-doctor peer test (windows) v2',
    ...windowsVariables(vars),
    "$ProgressPreference = 'SilentlyContinue'",
    '$pdSw = [Diagnostics.Stopwatch]::StartNew()',
    // ConnectAsync may throw at once (a bad argument) instead of returning a faulted task.
    'function PdStart($n, $address, $port) {',
    '  $c = New-Object System.Net.Sockets.TcpClient; $t = $null; $e = $null',
    '  try { $t = $c.ConnectAsync($address, [int]$port) } catch { $e = $_.Exception }',
    '  [pscustomobject]@{ N = $n; Address = $address; Port = $port; Client = $c; Task = $t; Error = $e }',
    '}',
    ...section(SECTIONS.peerTest, [
      `'tool=TcpClient count=${targets.length}'`,
      '$pdTests = @(',
      ...targets.map(
        (_, i) =>
          `  (PdStart ${i + 1} $PD_TARGET_${i + 1} $PD_PORT_${i + 1})${i < targets.length - 1 ? ',' : ''}`,
      ),
      ')',
      'foreach ($t in $pdTests) {',
      `  if ($t.Task) { try { [void]$t.Task.Wait([Math]::Max(0, ${ms} - $pdSw.ElapsedMilliseconds)) } catch { } }`,
      '  $ms = $pdSw.ElapsedMilliseconds',
      "  $status = if ($t.Task) { [string]$t.Task.Status } else { 'Faulted' }",
      '  $err = if ($t.Error) { $t.Error } elseif ($t.Task -and $t.Task.IsFaulted) { $t.Task.Exception.InnerException } else { $null }',
      "  $msg = if ($err) { $err.Message -replace '[^\\x20-\\x7E]', ' ' } else { '' }",
      '  if ($msg.Length -gt 120) { $msg = $msg.Substring(0, 120) }',
      "  'peer n={0} address={1} port={2} tool=TcpClient status={3} elapsed_ms={4} output={5}' -f $t.N, $t.Address, $t.Port, $status, $ms, $msg",
      '  $t.Client.Dispose()',
      '}',
    ]),
  ];
}
