// One user-assigned identity for the web app, its staging slot and the worker: it reads
// Key Vault secrets (app-setting references) and pulls images from the registry. A
// user-assigned identity survives slot swaps and redeploys, so role assignments made once
// keep working.

param prefix string
param location string

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${prefix}-app-id'
  location: location
}

output id string = identity.id
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
