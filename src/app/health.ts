/**
 * The `readProbeHealth` activity's work: per-rule health from the health API, and the DipAvailability
 * metric where that API cannot answer (a rule without a probe, a Gateway load balancer) or failed;
 * nothing for a Basic load balancer, which has neither.
 * Which source answered is kept on every entry (`source`), so the report can say it.
 */
import type { AzureReader } from '../azure/reader';
import { needsMetricFallback } from '../diagnose/health';
import type { BackendHealth, RuleHealth } from '../model/health';
import type { HealthTopology } from '../workflow/contracts';

/** What could not be read, for the audit trail; the run goes on with what was read. */
export interface HealthReadProblem {
  ruleId: string;
  message: string;
}

export async function readProbeHealth(
  reader: AzureReader,
  topology: HealthTopology,
  onProblem: (problem: HealthReadProblem) => void = () => undefined,
): Promise<RuleHealth[]> {
  const lbId = topology.loadBalancer.id;
  // Basic load balancers have neither the per-rule health API nor per-backend metrics (Standard
  // features: load-balancer-manage-health-status.md): ask neither. Every backend's state is then
  // unknown, so every one gets the cause checks, which read the guest, the VM and the NSGs instead.
  if (topology.loadBalancer.sku === 'Basic') return [];
  let metric: Promise<BackendHealth[] | undefined> | undefined;
  // The metric is per backend IP for the whole load balancer: read it at most once per run.
  const readMetric = () =>
    (metric ??= reader.getDipAvailability(lbId).catch((err: unknown) => {
      onProblem({ ruleId: lbId, message: `DipAvailability metric: ${(err as Error).message}` });
      return undefined;
    }));

  const fromMetric = async (ruleId: string): Promise<RuleHealth | undefined> => {
    const entries = await readMetric();
    if (!entries) return undefined;
    const backends = entries.map((e) => ({ ...e, ruleId, source: 'metric' as const }));
    return {
      ruleId,
      up: backends.filter((b) => b.state === 'Up').length,
      down: backends.filter((b) => b.state === 'Down').length,
      backends,
    };
  };

  const perRule = await Promise.all(
    topology.rules.map(async (rule): Promise<RuleHealth | undefined> => {
      if (!needsMetricFallback(topology, rule)) {
        try {
          return await reader.getRuleHealth(lbId, rule.name);
        } catch (err) {
          onProblem({ ruleId: rule.id, message: `rule health: ${(err as Error).message}` });
        }
      }
      return fromMetric(rule.id);
    }),
  );
  return perRule.filter((r): r is RuleHealth => r !== undefined);
}
