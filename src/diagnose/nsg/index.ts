/** The NSG evaluator: Azure's rule semantics as pure functions. */
export * from './types';
export { AZURE_LOAD_BALANCER_IP, defaultSecurityRules } from './defaults';
export { matchPrefix, inPrefix, parseAddress, parsePrefix, type PrefixMatch } from './prefix';
export { matchPortRange } from './ports';
export { evaluateNsg, effectiveRuleList, protocolMatches, ruleMatches } from './evaluate';
export {
  evaluatePath,
  evaluateProbeInbound,
  evaluateFlow,
  evaluateInboundFrom,
  vnetTags,
  PROBE_SOURCE_PORT,
  type PathStep,
} from './path';
export {
  adminRulesOf,
  crossCheckEffective,
  firstMatch,
  type EffectiveCrossCheck,
  type ListDecision,
} from './effective';
export { HOST_VIRTUAL_IP_PREFIXES, tagContext, virtualNetworkTagPrefixes } from './virtualNetworkTag';
export { clientReach, INTERNET_CLIENT, type ClientDenier, type ClientReach } from './clients';
