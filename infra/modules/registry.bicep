// Container registry the workflows push to; the app identity pulls with AcrPull (no admin
// user, no registry password in app settings).

param prefix string
param location string
param appPrincipalId string

var acrPullRole = '7f951dda-4ed3-4680-a7ca-43fe172d538d'

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  // checkov:skip=CKV_AZURE_139:Basic tier has no network rules; pushes come from GitHub-hosted runners with changing addresses.
  // checkov:skip=CKV_AZURE_163:Image vulnerability scanning is Defender for Containers, a subscription plan enabled outside this template.
  // checkov:skip=CKV_AZURE_166:Quarantine needs Premium.
  name: toLower(take('${replace(prefix, '-', '')}acr${uniqueString(resourceGroup().id)}', 50))
  location: location
  sku: { name: 'Basic' }
  properties: {
    adminUserEnabled: false
    publicNetworkAccess: 'Enabled'
    anonymousPullEnabled: false
  }
}

resource appPulls 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: registry
  name: guid(registry.id, appPrincipalId, acrPullRole)
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', acrPullRole)
  }
}

output name string = registry.name
output loginServer string = registry.properties.loginServer
