/**
 * Contracts of the NSG evaluator (src/diagnose/nsg/). It evaluates rules the way Azure does:
 * inbound traffic passes the subnet NSG, then the NIC NSG, and both must allow; within one NSG the
 * lowest priority number that matches decides.
 */
import type { SecurityRuleInfo } from '../../model/topology';

/** One packet as an NSG sees it (after the load balancer's translation). */
export interface Packet {
  direction: 'Inbound' | 'Outbound';
  protocol: 'Tcp' | 'Udp' | 'Icmp';
  sourceIp: string;
  sourcePort: number;
  destinationIp: string;
  destinationPort: number;
  /** ASGs of the source IP configuration (peer VM), if it is one. */
  sourceAsgIds: string[];
  /** ASGs of the destination IP configuration (the backend). */
  destinationAsgIds: string[];
}

/** What service tags expand to for this evaluation (VirtualNetwork depends on the VNet, its UDRs and peerings). */
export interface TagContext {
  /**
   * Prefixes that `VirtualNetwork` covers: the VNet's address space, the host's virtual IPs
   * (168.63.129.16, 169.254.169.254), the subnet's UDR prefixes, and any peered or connected spaces
   * known. Build it with `tagContext` (virtualNetworkTag.ts).
   */
  virtualNetworkPrefixes: string[];
}

/** The rule that decided, in one NSG. */
export interface NsgDecision {
  nsgId: string;
  nsgName: string;
  level: 'subnet' | 'nic';
  access: 'Allow' | 'Deny';
  rule: SecurityRuleInfo;
  /**
   * Rules that could not be evaluated (a malformed prefix or port, an unknown service tag); such a
   * field never matches. Absent when there is nothing to say.
   */
  warnings?: string[];
}

/** The probe's path through the subnet NSG and the NIC NSG. */
export interface ProbePathVerdict {
  allowed: boolean;
  /** One decision per NSG on the path, subnet first; empty when neither level has an NSG. */
  decisions: NsgDecision[];
  /** The first decision that denies, when the probe is blocked. */
  blockedBy?: NsgDecision;
  /** The packet that was evaluated (source 168.63.129.16, the probe's port, never the frontend port). */
  packet: Packet;
  /** What the evaluation could not see (an NSG referenced but not read, a backend without an address). */
  warnings?: string[];
}

/**
 * A peer-to-backend flow: the peer's NIC and subnet NSGs outbound, then the backend's subnet and NIC
 * NSGs inbound. `decisions` are in that order; each decision's rule carries its direction.
 */
export type FlowVerdict = ProbePathVerdict;
