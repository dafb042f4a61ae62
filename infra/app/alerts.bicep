// The action group that calls probe-doctor's alert webhook (POST /api/alerts) with the Common Alert
// Schema. The webhook is authenticated with the alertWebhook function's own key, read here with
// listKeys so it never passes through a parameter, a file or azd's environment. The key exists only
// once the code is deployed: main.bicep deploys this module on the second provision (alertsEnabled),
// which azure.yaml's postdeploy hook runs (see docs/deploy.md).
param name string
param shortName string
param tags object = {}
param functionAppName string
@description('The webhook function\'s name, as registered in functions/alertWebhook.ts.')
param webhookFunctionName string = 'alertWebhook'

resource functionApp 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

var webhookKey = listKeys(resourceId('Microsoft.Web/sites/functions', functionAppName, webhookFunctionName), '2024-04-01').default

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: name
  location: 'Global'
  tags: tags
  properties: {
    groupShortName: shortName
    enabled: true
    webhookReceivers: [
      {
        name: 'probe-doctor'
        serviceUri: 'https://${functionApp.properties.defaultHostName}/api/alerts?code=${webhookKey}'
        useCommonAlertSchema: true
        useAadAuth: false
      }
    ]
  }
}

output actionGroupId string = actionGroup.id
