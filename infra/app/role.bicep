// The least-privilege custom role: exactly the ARM actions probe-doctor performs (role-actions.json,
// derived from the sandbox's request log of whole runs by test/infra/role.test.ts), per phase.
// Observe mode gets the diagnosis actions only (reads, Run Command, Network Watcher checks and the
// Support catalogue reads that classify the ticket it builds); writes are added when the
// corresponding setting turns them on.
targetScope = 'subscription'

param roleName string
@description('Subscription and resource group ids the role may be assigned at (its assignableScopes).')
param assignableScopes array
param grantFix bool
@description('Opt-in VM fixes that need actions of their own: start-vm (guest-firewall-allow needs only Run Command, a diagnose action).')
param grantOptIn bool
@description('Support ticket submission (PROBE_DOCTOR_ESCALATION_SUBMIT).')
param grantEscalation bool

var roleActions = loadJsonContent('role-actions.json')

var actions = union(
  roleActions.diagnose,
  grantFix ? roleActions.fix : [],
  grantOptIn ? roleActions.optIn : [],
  grantEscalation ? roleActions.escalation : []
)

resource role 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, roleName)
  properties: {
    roleName: roleName
    description: 'probe-doctor: diagnose Azure Load Balancer health probe failures and apply the fixes its settings allow.'
    type: 'CustomRole'
    permissions: [
      {
        actions: actions
        notActions: []
      }
    ]
    assignableScopes: assignableScopes
  }
}

output roleDefinitionId string = role.id
output actions array = actions
