// probe-doctor on Azure: a Flex Consumption Function App (Node 22, Durable Functions on the Azure
// Storage backend) running as a user-assigned identity, identity-only storage and Application
// Insights, a least-privilege custom role assigned at the scopes probe-doctor may act on, and a
// DipAvailability alert per load balancer that calls probe-doctor's webhook.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; used to generate a short unique hash for resource names.')
param environmentName string

@minLength(1)
@description('Region of every resource; it must offer the Flex Consumption plan.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

param resourceGroupName string = ''

@description('Object id of the deploying user, granted blob access for the package upload. Empty: none.')
param principalId string = ''

// ---- probe-doctor settings (src/config.ts; docs/configuration.md) ----

@allowed(['observe', 'fix'])
@description('PROBE_DOCTOR_MODE. Start with observe: nothing is written, and the role has no write action.')
param probeDoctorMode string = 'observe'

@minLength(1)
@description('PROBE_DOCTOR_ALLOWED_SCOPES: comma list of subscription ids, /subscriptions/<id> or /subscriptions/<id>/resourceGroups/<name>. The role is assigned at each.')
param allowedScopes string

@description('PROBE_DOCTOR_APPROVAL_REQUIRED_FOR: comma list of fix kinds, or none.')
param approvalRequiredFor string = 'start-vm,guest-firewall-allow'

@minValue(1)
@maxValue(10080)
param approvalTimeoutMinutes int = 60

param rollbackOnFailure bool = true

@description('PROBE_DOCTOR_OPT_IN_FIXES: start-vm, guest-firewall-allow, or none.')
param optInFixes string = 'none'

@description('PROBE_DOCTOR_PROBE_WAIT_MARGIN_SECONDS: added to probe interval x threshold before validating (0: exactly what the probe needs).')
@minValue(0)
@maxValue(3600)
param probeWaitMarginSeconds int = 0

@minValue(1)
@maxValue(200)
param fanoutBatchSize int = 20

@description('PROBE_DOCTOR_RUN_DEADLINE_SECONDS: the most a run may take, approval wait excluded.')
@minValue(10)
@maxValue(86400)
param runDeadlineSeconds int = 1800

@description('PROBE_DOCTOR_ACTIVITY_DEADLINE_SECONDS: the most one activity (with its retries) may take.')
@minValue(1)
@maxValue(7200)
param activityDeadlineSeconds int = 600

@description('PROBE_DOCTOR_ESCALATION_SUBMIT: submit support tickets (adds the escalation actions of role-actions.json to the role).')
param escalationSubmit bool = false

@description('PROBE_DOCTOR_ESCALATION_DIAGNOSTIC_CONSENT: the support ticket\'s advancedDiagnosticConsent, the customer\'s own answer (Yes or No).')
@allowed(['Yes', 'No'])
param escalationDiagnosticConsent string = 'No'

param escalationContactFirstName string = ''
param escalationContactLastName string = ''
param escalationContactEmail string = ''
@description('ISO 3166-1 alpha-3, e.g. USA.')
param escalationContactCountry string = ''
@description('Windows time zone name, e.g. Pacific Standard Time.')
param escalationContactTimeZone string = ''
param escalationContactLanguage string = ''

@description('PROBE_DOCTOR_AUDIT_LOG_FILE: also write audit events as JSON lines to this path. Empty: off.')
param auditLogFile string = ''

@description('PROBE_DOCTOR_SWEEP_SCHEDULE: NCRONTAB schedule of the fleet sweep timer over the allowed scopes, e.g. 0 0 */6 * * * (every six hours). Empty: off.')
param sweepSchedule string = ''

@description('PROBE_DOCTOR_SWEEP_CONCURRENCY: load balancers the sweep reads at once.')
@minValue(1)
@maxValue(64)
param sweepConcurrency int = 8

@description('PROBE_DOCTOR_ALWAYS_SPARKPLUG: V8 compiles the app\'s code with Sparkplug, its baseline compiler, from each function\'s first call (false: V8\'s defaults).')
param alwaysSparkplug bool = true

@description('Durable Functions task hub (host.json reads %DURABLE_TASK_HUB_NAME%).')
param durableTaskHubName string = 'probedoctor'

@description('Also grant the NSG rule write/delete actions in observe mode (for manual starts that ask for fix). Fix mode always grants them.')
param grantFixPermissions bool = false

// ---- alerting ----

@description('Comma list of load balancer resource ids that get a DipAvailability alert rule.')
param loadBalancerIds string = ''

@minValue(1)
@maxValue(100)
@description('Alert when a backend\'s DipAvailability averages below this percentage over 5 minutes.')
param dipAvailabilityThreshold int = 95

@description('Deploy the action group and alert rules. Needs the code deployed first (the webhook key); the postdeploy hook turns it on.')
param alertsEnabled bool = false

var abbrs = loadJsonContent('./abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var functionAppName = '${abbrs.webSitesFunctions}api-${resourceToken}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(toLower(uniqueString(functionAppName, resourceToken)), 7)}'

var scopeList = map(
  filter(split(allowedScopes, ','), s => !empty(trim(s))),
  s => startsWith(trim(s), '/') ? trim(s) : '/subscriptions/${trim(s)}'
)
var rgScopes = filter(scopeList, s => contains(toLower(s), '/resourcegroups/'))
var subscriptionScopes = filter(scopeList, s => !contains(toLower(s), '/resourcegroups/'))
var loadBalancerList = filter(map(split(loadBalancerIds, ','), s => trim(s)), s => !empty(s))
var optInList = map(split(optInFixes, ','), s => toLower(trim(s)))
// Observe mode's role cannot write: the write actions come with fix mode (or an explicit grant).
var grantFix = grantFixPermissions || probeDoctorMode == 'fix'

resource rg 'Microsoft.Resources/resourceGroups@2021-04-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    principalId: identity.outputs.principalId
    deployerPrincipalId: principalId
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
    publisherPrincipalId: identity.outputs.principalId
  }
}

// Every setting src/config.ts reads, from the parameters above (test/infra/bicep.test.ts checks it).
var probeDoctorSettings = {
  PROBE_DOCTOR_MODE: probeDoctorMode
  PROBE_DOCTOR_ALLOWED_SCOPES: join(scopeList, ',')
  PROBE_DOCTOR_APPROVAL_REQUIRED_FOR: approvalRequiredFor
  PROBE_DOCTOR_APPROVAL_TIMEOUT_MINUTES: string(approvalTimeoutMinutes)
  PROBE_DOCTOR_ROLLBACK_ON_FAILURE: string(rollbackOnFailure)
  PROBE_DOCTOR_OPT_IN_FIXES: optInFixes
  PROBE_DOCTOR_PROBE_WAIT_MARGIN_SECONDS: string(probeWaitMarginSeconds)
  PROBE_DOCTOR_FANOUT_BATCH_SIZE: string(fanoutBatchSize)
  PROBE_DOCTOR_RUN_DEADLINE_SECONDS: string(runDeadlineSeconds)
  PROBE_DOCTOR_ACTIVITY_DEADLINE_SECONDS: string(activityDeadlineSeconds)
  PROBE_DOCTOR_ESCALATION_SUBMIT: string(escalationSubmit)
  PROBE_DOCTOR_ESCALATION_DIAGNOSTIC_CONSENT: escalationDiagnosticConsent
  PROBE_DOCTOR_ESCALATION_CONTACT_FIRST_NAME: escalationContactFirstName
  PROBE_DOCTOR_ESCALATION_CONTACT_LAST_NAME: escalationContactLastName
  PROBE_DOCTOR_ESCALATION_CONTACT_EMAIL: escalationContactEmail
  PROBE_DOCTOR_ESCALATION_CONTACT_COUNTRY: escalationContactCountry
  PROBE_DOCTOR_ESCALATION_CONTACT_TIMEZONE: escalationContactTimeZone
  PROBE_DOCTOR_ESCALATION_CONTACT_LANGUAGE: escalationContactLanguage
  PROBE_DOCTOR_AUDIT_LOG_FILE: auditLogFile
  PROBE_DOCTOR_SWEEP_SCHEDULE: sweepSchedule
  PROBE_DOCTOR_SWEEP_CONCURRENCY: string(sweepConcurrency)
  PROBE_DOCTOR_ALWAYS_SPARKPLUG: string(alwaysSparkplug)
  DURABLE_TASK_HUB_NAME: durableTaskHubName
}

module api 'app/function.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    identityResourceId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    appSettings: probeDoctorSettings
  }
  dependsOn: [rbac]
}

module workbook 'app/workbook.bicep' = {
  name: 'workbook'
  scope: rg
  params: {
    displayName: 'probe-doctor audit trail (${environmentName})'
    location: location
    tags: tags
    applicationInsightsId: monitoring.outputs.applicationInsightsId
  }
}

module role 'app/role.bicep' = {
  name: 'probe-doctor-role'
  params: {
    roleName: 'probe-doctor (${environmentName})'
    assignableScopes: scopeList
    grantFix: grantFix
    grantOptIn: grantFix && contains(optInList, 'start-vm')
    grantEscalation: escalationSubmit
  }
}

module rgAssignments 'app/role-assignment-rg.bicep' = [
  for scope in rgScopes: {
    name: 'probe-doctor-role-${uniqueString(scope)}'
    scope: resourceGroup(split(scope, '/')[2], split(scope, '/')[4])
    params: {
      roleDefinitionId: role.outputs.roleDefinitionId
      principalId: identity.outputs.principalId
    }
  }
]

module subscriptionAssignments 'app/role-assignment-sub.bicep' = [
  for scope in subscriptionScopes: {
    name: 'probe-doctor-role-${uniqueString(scope)}'
    scope: subscription(split(scope, '/')[2])
    params: {
      roleDefinitionId: role.outputs.roleDefinitionId
      principalId: identity.outputs.principalId
    }
  }
]

module actionGroup 'app/alerts.bicep' = if (alertsEnabled) {
  name: 'alerts'
  scope: rg
  params: {
    name: '${abbrs.insightsActionGroups}probe-doctor-${resourceToken}'
    shortName: 'probedoctor'
    tags: tags
    functionAppName: api.outputs.name
  }
}

module alertRules 'app/alert-rule.bicep' = [
  for lbId in (alertsEnabled ? loadBalancerList : []): {
    name: 'probe-doctor-alert-${uniqueString(lbId)}'
    scope: resourceGroup(split(lbId, '/')[2], split(lbId, '/')[4])
    params: {
      loadBalancerId: lbId
      actionGroupId: actionGroup!.outputs.actionGroupId
      threshold: dipAvailabilityThreshold
      tags: tags
    }
  }
]

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_NAME string = api.outputs.name
output SERVICE_API_NAME string = api.outputs.name
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.connectionString
output PROBE_DOCTOR_ROLE_DEFINITION_ID string = role.outputs.roleDefinitionId
output PROBE_DOCTOR_ROLE_ACTIONS array = role.outputs.actions
output PROBE_DOCTOR_WORKBOOK_ID string = workbook.outputs.workbookId
