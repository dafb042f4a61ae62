/**
 * The alert Azure Monitor sends when a load balancer's Health Probe Status (DipAvailability) falls
 * below its threshold: the Common Alert Schema, shaped as Microsoft's published metric-alert sample
 * (../shared/arm-examples/Microsoft.Insights/CommonAlertSchema_MetricAlert.json), aimed at `lbId`.
 */
import { createHash } from 'node:crypto';

export function dipAvailabilityAlert(lbId: string, firedAt: Date): Record<string, unknown> {
  const [, , subscriptionId, , resourceGroup] = lbId.split('/');
  const lbName = lbId.split('/').pop() ?? lbId;
  // Stable per LB and time, as an alert id is per firing.
  const digest = createHash('sha256').update(`${lbId}|${firedAt.toISOString()}`).digest('hex');
  const guid = `${digest.slice(0, 8)}-${digest.slice(8, 12)}-${digest.slice(12, 16)}-${digest.slice(16, 20)}-${digest.slice(20, 32)}`;
  const rule = `${lbName}-health-probe-status`;
  return {
    schemaId: 'azureMonitorCommonAlertSchema',
    data: {
      essentials: {
        alertId: `/subscriptions/${subscriptionId}/providers/Microsoft.AlertsManagement/alerts/${guid}`,
        alertRule: rule,
        alertRuleId: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/microsoft.insights/metricAlerts/${rule}`,
        severity: 'Sev1',
        signalType: 'Metric',
        monitorCondition: 'Fired',
        monitoringService: 'Platform',
        alertTargetIDs: [lbId.toLowerCase()],
        configurationItems: [lbName],
        originAlertId: `${subscriptionId}_${resourceGroup}_microsoft.insights_metricAlerts_${rule}`,
        firedDateTime: firedAt.toISOString(),
        description: 'Health probe status below 100% on a load balancer backend',
        essentialsVersion: '1.0',
        alertContextVersion: '1.0',
      },
      alertContext: {
        properties: null,
        conditionType: 'SingleResourceMultipleMetricCriteria',
        condition: {
          windowSize: 'PT5M',
          allOf: [
            {
              metricName: 'DipAvailability',
              metricNamespace: 'Microsoft.Network/loadBalancers',
              operator: 'LessThan',
              threshold: '100',
              timeAggregation: 'Average',
              dimensions: [{ name: 'BackendIPAddress', value: '*' }],
              metricValue: 33.3,
            },
          ],
        },
      },
      customProperties: null,
    },
  };
}
