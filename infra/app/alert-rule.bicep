// One metric alert rule on one load balancer: fires when a backend's DipAvailability (the share of
// health probes it answered) averages below the threshold. Split by BackendIPAddress, so a single
// failing backend in a large pool is not averaged away. Deployed into the load balancer's own
// resource group (scope: resourceGroup(sub, rg) in main.bicep).
param loadBalancerId string
param actionGroupId string
@minValue(1)
@maxValue(100)
param threshold int
param tags object = {}
@allowed([0, 1, 2, 3, 4])
param severity int = 2

var lbName = last(split(loadBalancerId, '/'))

resource rule 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'probe-doctor-dip-availability-${lbName}'
  location: 'global'
  tags: tags
  properties: {
    description: 'Health probe availability of a backend of ${lbName} fell below ${threshold}%: probe-doctor diagnoses it.'
    severity: severity
    enabled: true
    scopes: [loadBalancerId]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    autoMitigate: true
    targetResourceType: 'Microsoft.Network/loadBalancers'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'DipAvailabilityBelowThreshold'
          metricNamespace: 'Microsoft.Network/loadBalancers'
          metricName: 'DipAvailability'
          timeAggregation: 'Average'
          operator: 'LessThan'
          threshold: threshold
          dimensions: [
            {
              name: 'BackendIPAddress'
              operator: 'Include'
              values: ['*']
            }
          ]
        }
      ]
    }
    actions: [
      {
        actionGroupId: actionGroupId
      }
    ]
  }
}

output ruleId string = rule.id
