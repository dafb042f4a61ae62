// The user-assigned identity probe-doctor runs as: storage, Application Insights and the custom
// role are all granted to it, so nothing depends on the app's own lifetime or a key.
param name string
param location string = resourceGroup().location
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output resourceId string = identity.id
output name string = identity.name
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
