// The probe-doctor audit workbook (infra/workbook.json, queries from infra/queries/*.kql), shared in
// the resource group and attached to Application Insights, so it opens from the component's
// Workbooks blade with the ProbeDoctor.* custom events in scope.
param displayName string
param location string = resourceGroup().location
param tags object = {}
@description('Resource id of the Application Insights component the workbook queries (its sourceId).')
param applicationInsightsId string

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  // Deterministic: a redeployment updates the same workbook instead of adding another.
  name: guid(resourceGroup().id, applicationInsightsId, 'probe-doctor-audit-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: displayName
    category: 'workbook'
    version: 'Notebook/1.0'
    serializedData: loadTextContent('../workbook.json')
    sourceId: applicationInsightsId
  }
}

output workbookId string = workbook.id
