/**
 * What the activities gather for one backend, as plain data. The pure checks in src/diagnose/ turn it
 * into causes; it is also what a support ticket quotes.
 */

/** A listening socket as ss, netstat or Get-NetTCPConnection reports it. */
export interface ListeningSocket {
  protocol: 'tcp' | 'udp';
  /** Local address as printed, normalised: `0.0.0.0`, `::`, `127.0.0.1`, `10.0.0.4`, `*`. */
  address: string;
  port: number;
  process?: string;
}

export type GuestFirewallTool = 'iptables' | 'nftables' | 'ufw' | 'firewalld' | 'windows-firewall';

/** A guest firewall rule that decides the probe's fate (168.63.129.16 -> probe port, TCP). */
export interface GuestFirewallVerdict {
  tool: GuestFirewallTool;
  /** Whether the tool is active at all (ufw inactive, firewalld not running, profile disabled). */
  active: boolean;
  /** `allow` when the probe passes this tool, `deny` when it is dropped or rejected. */
  decision: 'allow' | 'deny' | 'unknown';
  /** The rule or policy that decides, as the tool prints it. */
  rule?: string;
  detail?: string;
}

/** A local HTTP(S) GET of the probe path on the probe port, from inside the VM. */
export interface LocalHttpCheck {
  url: string;
  /** HTTP status; undefined when nothing answered (curl's 000). */
  status?: number;
  /** Why nothing answered: `refused`, `timeout`, or the tool's message. */
  error?: string;
  /**
   * The answer's first bytes (at most 512, non-printable characters as spaces), when it had a body:
   * what tells kube-proxy's health check (`"localEndpoints": 0`) from an application's error page.
   */
  body?: string;
  /** For HTTPS: what the TLS side of the GET showed (docs/probe-facts.md, "What HTTP(S) probes send"). */
  tls?: LocalTlsFacts;
  /**
   * The same GET asked differently, where the probe-like one did not get 200: with a host name the
   * guest's web server is configured for as Host (and, for HTTPS, SNI), or with TLS 1.3. What tells a
   * host-name binding or an SNI-only listener from an application failing.
   */
  contrasts?: LocalHttpContrast[];
}

/**
 * Why an HTTPS probe cannot complete its TLS handshake with the listener, read from the local GET:
 * `protocol-version` (the listener and the probe's TLS 1.2 share no version), `sni-required` (the
 * listener refuses a Client Hello without SNI: alert unrecognized_name), `client-certificate` (the
 * listener asks for a client certificate and ends the handshake without one), `certificate-hash` (the
 * handshake completes, but the chain is signed with SHA-1 or MD5, below the probe's SHA256 minimum),
 * `handshake-failure` (it fails for a reason the output does not name).
 */
export type TlsFailure =
  'protocol-version' | 'sni-required' | 'client-certificate' | 'certificate-hash' | 'handshake-failure';

/** The TLS side of an HTTPS local GET. */
export interface LocalTlsFacts {
  /** Why the probe's handshake fails; absent when nothing in the output says it does. */
  failure?: TlsFailure;
  /** The TLS alert or error as the tool printed it (`tlsv1 alert protocol version`). */
  alert?: string;
  /** Each chain certificate's signature algorithm as `openssl s_client` prints it (`RSA-SHA256`). */
  chainSignatures?: string[];
  /** The server certificate's subject (`CN = app.contoso.com`). */
  subject?: string;
  /** The listener sent a CertificateRequest (`Client Certificate Types:` in s_client's output). */
  clientCertificateRequested?: boolean;
}

/** One contrasting GET: what changed from the probe's request, and what came back. */
export interface LocalHttpContrast {
  /** The Host (and, for HTTPS, SNI) sent instead of the NIC address. */
  host?: string;
  /** The TLS version offered instead of 1.2. */
  tlsVersion?: '1.3';
  status?: number;
  error?: string;
}

export interface GuestRoute {
  destination: string;
  gateway?: string;
  device: string;
  /**
   * The source address the lookup was made for (`ip route get X from Y`): the route the kernel applies,
   * policy rules included, to a packet sent from that address. Absent for a plain lookup.
   */
  from?: string;
}

export interface GuestInterface {
  name: string;
  addresses: string[];
}

/** Parsed from one Run Command on one VM. */
export interface GuestEvidence {
  os: 'linux' | 'windows';
  listening: ListeningSocket[];
  /** Which command the sockets came from (ss, netstat, Get-NetTCPConnection). */
  listeningSource: string;
  /**
   * Why the output does not tell what listens (section missing or cut, empty, format unknown); set,
   * `listening` being empty proves nothing and the guest's listening state is "not determined".
   */
  listeningUndetermined?: string;
  firewall: GuestFirewallVerdict[];
  http?: LocalHttpCheck;
  routes?: GuestRoute[];
  interfaces?: GuestInterface[];
  /**
   * `net.ipv4.tcp_timestamps` on Linux (probe-facts: with timestamps on, assume probes fail). Added by the
   * guest parser; undefined when not collected.
   */
  tcpTimestamps?: boolean;
  /** Sections the script could not collect or the parser did not understand. */
  warnings: string[];
  /** The script's stdout, as returned (at most 4096 bytes), kept for the ticket. */
  rawOutput?: string;
}

/** From the VM (or scale set VM) instance view and Resource Health. */
export interface VmHealthEvidence {
  vmId: string;
  powerState: string;
  provisioningState?: string;
  agentStatus: 'ready' | 'not-ready' | 'unknown';
  agentMessage?: string;
  /** Resource Health availability, where the platform reports it. */
  resourceHealth?: 'Available' | 'Unavailable' | 'Degraded' | 'Unknown';
}

/**
 * One rule of the effective-NSG API answer (`NetworkInterfaces_ListEffectiveNetworkSecurityGroups`,
 * `EffectiveNetworkSecurityRule` in network 2025-05-01), every field the cross-check evaluates. Azure
 * writes each side both singular (`sourceAddressPrefix: "0.0.0.0/0"`, `sourcePortRange: "0-65535"`) and,
 * in newer answers, plural; the reader merges both into one list as written. A service tag is spelled
 * out by the platform in `expanded...AddressPrefix`, kept apart: when present it is what the tag covers.
 */
export interface EffectiveSecurityRule {
  name: string;
  priority: number;
  /** `AlwaysAllow` only on security admin rules: it skips the NSGs. */
  access: 'Allow' | 'Deny' | 'AlwaysAllow';
  direction: 'Inbound' | 'Outbound';
  /** `Tcp`, `Udp`, `Icmp`, `Esp`, `Ah` or `All`, as written. */
  protocol: string;
  /** Prefixes as written (singular and plural merged): CIDRs, `0.0.0.0/0`, or a service tag's name. */
  sourceAddressPrefixes: string[];
  destinationAddressPrefixes: string[];
  /** What the platform expanded a service tag to; absent when it expanded nothing. */
  expandedSourceAddressPrefixes?: string[];
  expandedDestinationAddressPrefixes?: string[];
  /** Port ranges as written (`0-65535`, `80-80`); absent only when the answer carried none. */
  sourcePortRanges?: string[];
  destinationPortRanges: string[];
  /** Set for Azure Virtual Network Manager security admin rules. */
  isAdminRule?: boolean;
}

/**
 * The effective-NSG API answer for one NIC: one entry per applied NSG, and entries of Azure Virtual
 * Network Manager admin rules. An entry that names a `networkSecurityGroup` holds that NSG's rules,
 * whatever its `association` lists (Microsoft's example lists `networkManager`, `subnet` and
 * `networkInterface` together on an NSG's entry); `level` is `subnet` or `nic` when the association
 * names exactly one of them, `nsg` when it cannot tell. Only an entry without an NSG whose association
 * names a network manager is `admin`.
 */
export interface EffectiveNsgAssociation {
  nsgId?: string;
  /** For `admin`: the Azure Virtual Network Manager whose security admin rules these are (association.networkManager.id). */
  networkManagerId?: string;
  level: 'subnet' | 'nic' | 'nsg' | 'admin';
  rules: EffectiveSecurityRule[];
}

export interface EffectiveRoute {
  source: string;
  state: string;
  addressPrefixes: string[];
  nextHopType: string;
  nextHopIpAddresses: string[];
}
