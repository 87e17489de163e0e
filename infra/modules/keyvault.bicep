// Key Vault holding every secret the app reads. App settings refer to secrets as
// @Microsoft.KeyVault(SecretUri=...) and App Service resolves them with the app identity,
// which gets "Key Vault Secrets User" (read secret values, nothing else).
//
// Secrets that come from other resources (database-url, redis-url, azure-account-key) are
// written by their modules; the ones from outside Azure are set once by the operator
// (`az keyvault secret set`, see infra/README.md): secret-key, stripe-secret-key,
// stripe-webhook-secret, stripe-connect-webhook-secret, sendgrid-api-key.

param prefix string
param location string
param appPrincipalId string
@description('Object id of whoever sets the operator secrets (a person or the deploy principal); empty to skip.')
param operatorPrincipalId string = ''
param subnetIds array

// Built-in role definitions (fixed GUIDs across all tenants).
var secretsUserRole = '4633458b-17de-408a-b874-0445c86b69e6'
var secretsOfficerRole = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  // checkov:skip=CKV_AZURE_189:Reachable only from the app subnet (VNet rule) and trusted Azure services (ARM writes the generated secrets); the default action is Deny.
  // 3-24 letters, digits and hyphens, ending in neither: 9 + 2 + 13 characters.
  name: '${take(replace(prefix, '-', ''), 9)}kv${uniqueString(resourceGroup().id)}'
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Deny'
      bypass: 'AzureServices'
      virtualNetworkRules: [for subnetId in subnetIds: { id: subnetId }]
    }
  }
}

resource appReadsSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, appPrincipalId, secretsUserRole)
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUserRole)
  }
}

resource operatorWritesSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  scope: vault
  name: guid(vault.id, operatorPrincipalId, secretsOfficerRole)
  properties: {
    principalId: operatorPrincipalId
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsOfficerRole)
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
