// Log Analytics workspace and the workspace-based Application Insights component the app
// reports to (APPLICATIONINSIGHTS_CONNECTION_STRING, kept in Key Vault), and the alert rules query.

param prefix string
param location string
param retentionDays int
param keyVaultName string

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${prefix}-logs'
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: retentionDays
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${prefix}-insights'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    IngestionMode: 'LogAnalytics'
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

// The connection string carries the ingestion key: whoever has it can write telemetry here.
resource connectionString 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  // checkov:skip=CKV_AZURE_41:Rewritten from the component on every deployment; an expiry date would break the app's reference the day it passed without a rotation.
  parent: vault
  name: 'applicationinsights-connection-string'
  properties: {
    contentType: 'Application Insights connection string'
    value: insights.properties.ConnectionString
  }
}

output workspaceId string = logs.id
output insightsId string = insights.id
output insightsName string = insights.name
