// The least-privilege custom role: exactly the ARM actions probe-doctor performs (role-actions.json,
// checked against the sandbox's request log by test/infra/role.test.ts), per phase. Observe mode
// gets the diagnosis actions only; writes are added when the corresponding setting turns them on.
targetScope = 'subscription'

param roleName string
@description('Subscription and resource group ids the role may be assigned at (its assignableScopes).')
param assignableScopes array
param grantFix bool
param grantStartVm bool
param grantEscalation bool

var roleActions = loadJsonContent('role-actions.json')

var actions = union(
  roleActions.diagnose,
  grantFix ? roleActions.fix : [],
  grantStartVm ? roleActions.startVm : [],
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
