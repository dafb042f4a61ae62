# Stand-ins for the Windows-only cmdlets the guest-check and peer-test scripts call, so the real
# scripts run under real PowerShell 7 on Linux (test/guest/scripts/windowsPwsh.test.ts). PowerShell
# resolves a function before a cmdlet of the same name, so these win wherever both exist.
#
# What is real and what is data:
# - Get-NetTCPConnection -State Listen: the machine's real TCP listeners (.NET IPGlobalProperties),
#   as objects with the properties of MSFT_NetTCPConnection that the captures in
#   test/fixtures/guest/windows/get-nettcpconnection-*.txt show (LocalAddress, LocalPort,
#   RemoteAddress, RemotePort, State, AppliedSetting, OwningProcess).
# - The peer test calls .NET's TcpClient itself: real connects, no stand-in.
# - Invoke-WebRequest is PowerShell's own cmdlet, against the test's server on 127.0.0.1.
# - Firewall profiles and rules come from the scenario (JSON in $env:PD_SHIM_DATA), as objects with
#   the property names and value spellings of MSFT_NetFirewallRule (get-netfirewallrule__displayname-
#   list-format.txt: Enabled 'True'/'False', Direction 'Inbound', Action 'Allow'/'Block', Profile
#   'Domain, Private, Public' or 'Any'), MSFT_NetFirewallProfile, MSFT_NetProtocolPortFilter
#   (Protocol 'TCP'/'Any', LocalPort an array of 'Any', '80' or '8000-8100') and
#   MSFT_NetAddressFilter (RemoteAddress an array of 'Any' or addresses/prefixes), joined by InstanceID.
# - Get-NetIPAddress, Find-NetRoute, Get-NetConnectionProfile: from the same JSON.

$pdShim = Get-Content -Raw -LiteralPath $env:PD_SHIM_DATA | ConvertFrom-Json

function Get-NetConnectionProfile {
  [CmdletBinding()] param()
  [pscustomobject]@{ Name = 'Network'; InterfaceAlias = 'Ethernet'; NetworkCategory = $pdShim.activeProfile }
}

function Get-NetFirewallProfile {
  [CmdletBinding()] param([switch]$All)
  foreach ($p in $pdShim.profiles) {
    [pscustomobject]@{ Name = $p.name; Enabled = $p.enabled; DefaultInboundAction = $p.defaultInboundAction; DefaultOutboundAction = 'NotConfigured' }
  }
}

function Get-NetFirewallRule {
  [CmdletBinding()] param([string]$Direction, [string]$Enabled, [switch]$All)
  foreach ($r in $pdShim.rules) {
    if ($Direction -and $r.direction -ne $Direction) { continue }
    if ($Enabled -and $r.enabled -ne $Enabled) { continue }
    [pscustomobject]@{
      Name = $r.instanceId; InstanceID = $r.instanceId; DisplayName = $r.displayName; Enabled = $r.enabled
      Profile = $r.profile; Direction = $r.direction; Action = $r.action; PrimaryStatus = 'OK'
    }
  }
}

function Get-NetFirewallPortFilter {
  [CmdletBinding()] param([switch]$All)
  foreach ($r in $pdShim.rules) {
    [pscustomobject]@{ InstanceID = $r.instanceId; Protocol = $r.protocol; LocalPort = [string[]]@($r.localPort); RemotePort = [string[]]@('Any') }
  }
}

function Get-NetFirewallAddressFilter {
  [CmdletBinding()] param([switch]$All)
  foreach ($r in $pdShim.rules) {
    [pscustomobject]@{ InstanceID = $r.instanceId; LocalAddress = [string[]]@('Any'); RemoteAddress = [string[]]@($r.remoteAddress) }
  }
}

function Get-NetIPAddress {
  [CmdletBinding()] param([string]$AddressFamily)
  foreach ($a in $pdShim.addresses) {
    [pscustomobject]@{ IPAddress = $a.address; PrefixLength = $a.prefixLength; InterfaceAlias = $a.interfaceAlias; AddressFamily = 'IPv4' }
  }
}

function Find-NetRoute {
  [CmdletBinding()] param([string]$RemoteIPAddress)
  if (-not $pdShim.route) { throw 'No matching MSFT_NetRoute objects found' }
  # Find-NetRoute returns the chosen source address (MSFT_NetIPAddress) and then the route.
  [pscustomobject]@{ IPAddress = $pdShim.route.source; InterfaceAlias = $pdShim.route.interfaceAlias }
  [pscustomobject]@{ DestinationPrefix = '0.0.0.0/0'; NextHop = $pdShim.route.nextHop; InterfaceAlias = $pdShim.route.interfaceAlias }
}

function Get-NetTCPConnection {
  [CmdletBinding()] param([string]$State)
  $listeners = [System.Net.NetworkInformation.IPGlobalProperties]::GetIPGlobalProperties().GetActiveTcpListeners()
  foreach ($l in $listeners) {
    [pscustomobject]@{
      LocalAddress = $l.Address.ToString(); LocalPort = [uint16]$l.Port; RemoteAddress = '0.0.0.0'; RemotePort = [uint16]0
      State = 'Listen'; AppliedSetting = $null; OwningProcess = [uint32]0
    }
  }
}

