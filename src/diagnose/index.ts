/**
 * The diagnosis engine: pure functions from topology and evidence to causes. The NSG evaluator is in
 * ./nsg (import it from '../diagnose/nsg/index' or this module's re-exports below).
 */
export {
  interpretRuleHealth,
  interpretHealthEntry,
  needsMetricFallback,
  type BackendAction,
  type BackendProbeStatus,
} from './health';
export { diagnoseLoadBalancer, type LoadBalancerDiagnosis } from './loadBalancer';
export { probeProblems, HTTP_PROBE_BLOCKED_PORTS, type ProbeProblem } from './probeConfig';
export { diagnoseVm, normalisePowerState } from './vm';
export { diagnoseGuest, GUEST_UNCHECKED_NOTE, type GuestDiagnosisInput } from './guest';
export {
  bindReach,
  checkListening,
  MANAGEMENT_PORTS,
  type BindReach,
  type ListeningAlternative,
  type ListeningCheck,
} from './listening';
export {
  arrivalDevice,
  findReplyDiversion,
  selectRoute,
  PROBE_SOURCE_IP,
  type ReplyDiversion,
} from './replyPath';
export { diagnoseNsg, type NsgDiagnosisInput } from './nsgBlocks';
export { peerPathRoutes, selectEffectiveRoute, type PeerPathInput } from './routes';
export { diagnoseBackend, diagnoseBackendFindings, orderCauses, type BackendDiagnosisInput } from './backend';
export { buildDiagnosisReport, type BackendDiagnosis, type DiagnosisReportInput } from './report';
export { mergeFindings, noFindings, type Findings } from './findings';
export { describeBackend, nameFromId } from './names';
export { evaluateProbeInbound, crossCheckEffective } from './nsg/index';
