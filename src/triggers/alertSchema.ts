/**
 * The Azure Monitor Common Alert Schema, as far as probe-doctor reads it: which load balancer, fired
 * or resolved, metric (DipAvailability) or activity log (Resource Health).
 */
import { z } from 'zod';
import { InvalidInputError } from '../errors';
import { describeIssue, loadBalancerIdProblem } from '../workflow/input';

/** A target that is (or claims to be) a load balancer: its type segment says so. */
const LOAD_BALANCER_TARGET = /\/providers\/Microsoft\.Network\/loadBalancers\/[^/]*$/i;

const metricCondition = z.object({ metricName: z.string().optional() }).loose();

export const commonAlertSchema = z.object({
  schemaId: z.literal('azureMonitorCommonAlertSchema', { message: 'expected azureMonitorCommonAlertSchema' }),
  data: z.object({
    essentials: z
      .object({
        alertId: z.string().min(1, { message: 'expected the alert id' }),
        alertRule: z.string().optional(),
        signalType: z.enum(['Metric', 'Activity Log'], { message: 'expected Metric or Activity Log' }),
        monitorCondition: z.enum(['Fired', 'Resolved'], { message: 'expected Fired or Resolved' }),
        monitoringService: z.string().optional(),
        alertTargetIDs: z.array(z.string()).min(1, { message: 'expected at least one target resource id' }),
      })
      .loose(),
    alertContext: z
      .object({
        condition: z
          .object({ allOf: z.array(metricCondition).optional() })
          .loose()
          .optional(),
      })
      .loose()
      .nullish(),
  }),
});

/** What the webhook acts on. */
export interface AlertSignal {
  alertId: string;
  alertRule?: string;
  monitorCondition: 'Fired' | 'Resolved';
  /** `metric` for metric alerts (DipAvailability), `resource-health` and `activity-log` for activity log alerts. */
  signal: 'metric' | 'resource-health' | 'activity-log';
  loadBalancerId: string;
  metricNames: string[];
}

/** Parses a webhook body; throws InvalidInputError naming the bad field (`$.data.essentials...`). */
export function parseAlert(body: unknown): AlertSignal {
  const parsed = commonAlertSchema.safeParse(body);
  if (!parsed.success) {
    const { where, message } = describeIssue(parsed.error);
    throw new InvalidInputError(`Invalid alert: ${message}`, where);
  }
  const { essentials, alertContext } = parsed.data.data;
  // A target that names a load balancer must be one ARM could have issued: `lb?api-version=`, `..` or
  // a 100 KB name is refused here, before any run starts.
  const index = essentials.alertTargetIDs.findIndex((id) => LOAD_BALANCER_TARGET.test(id.trim()));
  const loadBalancerId = index >= 0 ? essentials.alertTargetIDs[index]?.trim() : undefined;
  const problem = loadBalancerId !== undefined ? loadBalancerIdProblem(loadBalancerId) : undefined;
  if (problem) {
    const where = `$.data.essentials.alertTargetIDs[${index}]`;
    throw new InvalidInputError(`Invalid alert: ${where}: ${problem}`, where);
  }
  if (!loadBalancerId) {
    throw new InvalidInputError(
      'Invalid alert: $.data.essentials.alertTargetIDs: no Microsoft.Network/loadBalancers resource id',
      '$.data.essentials.alertTargetIDs',
    );
  }
  const signal =
    essentials.signalType === 'Metric'
      ? 'metric'
      : essentials.monitoringService === 'Resource Health'
        ? 'resource-health'
        : 'activity-log';
  return {
    alertId: essentials.alertId,
    ...(essentials.alertRule !== undefined ? { alertRule: essentials.alertRule } : {}),
    monitorCondition: essentials.monitorCondition,
    signal,
    loadBalancerId,
    metricNames: (alertContext?.condition?.allOf ?? []).flatMap((c) => (c.metricName ? [c.metricName] : [])),
  };
}
