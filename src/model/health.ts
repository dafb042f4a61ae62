/** Per-backend probe health, from the per-rule health API or, as a fallback, the DipAvailability metric. */

export type HealthSource = 'rule-health' | 'metric';

/** Azure's documented reason codes; other strings pass through unchanged. */
export type HealthReason =
  | 'Up_Probe_Success'
  | 'Up_Admin'
  | 'Up_Platform'
  | 'Up_Probe_AllDownIsUp'
  | 'Down_Probe_TcpProbeTimeout'
  | 'Down_Probe_HttpEndpointUnreachable'
  | 'Down_Probe_HttpStatusCodeError'
  | 'Down_Probe_HttpNoResponse'
  | 'Down_Probe_ApproachingHealthyThreshold'
  | 'Down_Admin'
  | 'Down_Platform'
  | 'NA'
  | (string & {});

export interface BackendHealth {
  ruleId: string;
  source: HealthSource;
  ipAddress?: string;
  ipConfigurationId?: string;
  state: 'Up' | 'Down' | 'Unknown';
  reason?: HealthReason;
}

/** The answer of `POST .../loadBalancingRules/{rule}/health`. */
export interface RuleHealth {
  ruleId: string;
  up: number;
  down: number;
  backends: BackendHealth[];
}
