/** The sandbox's derived views: what Azure would answer, computed from the current SandboxState. */
export { probeStatuses, ruleProbeStatuses, type ProbeStatus, type ProbeStage } from './probeModel';
export { ruleHealth } from './ruleHealth';
export { effectiveNetworkSecurityGroups } from './effectiveNsg';
export { effectiveRouteTable, type EffectiveRouteBody } from './effectiveRoutes';
export { vmInstanceView } from './instanceView';
export { dipAvailabilityMetric } from './metric';
export { resourceHealth } from './resourceHealth';
export { ipFlowVerify, connectivityCheck } from './networkWatcher';
export { tcpReachability, traceFlow, type FlowTrace, type FlowStage } from './reachability';
export { deviceName, guestAccepts, type GuestOutcome } from './guest';
