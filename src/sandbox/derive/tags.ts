/**
 * The `VirtualNetwork` tag context of an endpoint in the sandbox, with the same semantics as the
 * evaluator (src/diagnose/nsg/virtualNetworkTag.ts cites Microsoft's definition): the VNet's address
 * space, the host's virtual IPs (168.63.129.16, 169.254.169.254), and the address prefixes of the UDRs
 * in the endpoint's subnet route table. Peered VNets are not modelled.
 */
import type { TagContext } from '../../diagnose/nsg/types';
import { tagContext } from '../../diagnose/nsg/virtualNetworkTag';
import type { SandboxState } from '../state';
import { vnetPrefixes, type Endpoint } from './arm';
import { userRoutes } from './effectiveRoutes';

/** The tag context Azure applies to traffic crossing this endpoint's NSGs. */
export function endpointTags(state: SandboxState, endpoint: Pick<Endpoint, 'vnet' | 'subnet'>): TagContext {
  const udrs = userRoutes(state, endpoint.subnet).flatMap((r) => r.addressPrefix);
  return tagContext(vnetPrefixes(endpoint), udrs);
}
