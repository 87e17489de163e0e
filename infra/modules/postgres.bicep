// PostgreSQL Flexible Server 16 with private access only (delegated subnet + private DNS),
// pg_trgm allow-listed for the search migrations, backups kept for point-in-time restore,
// and zone-redundant high availability as a parameter. Writes DATABASE_URL into Key Vault.

param prefix string
param location string
@allowed(['Burstable', 'GeneralPurpose', 'MemoryOptimized'])
param skuTier string
param skuName string
@description('Zone-redundant standby. Azure offers HA only on GeneralPurpose and MemoryOptimized.')
param highAvailability bool
param backupRetentionDays int
param geoRedundantBackup bool
param storageSizeGB int
param delegatedSubnetId string
param privateDnsZoneId string
param keyVaultName string
param administratorLogin string = 'marketplace'
@secure()
param administratorPassword string
param databaseName string = 'marketplace'

resource server 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = {
  name: '${prefix}-pg-${uniqueString(resourceGroup().id)}'
  location: location
  sku: { name: skuName, tier: skuTier }
  properties: {
    version: '16'
    administratorLogin: administratorLogin
    administratorLoginPassword: administratorPassword
    storage: { storageSizeGB: storageSizeGB, autoGrow: 'Enabled' }
    backup: {
      backupRetentionDays: backupRetentionDays
      geoRedundantBackup: geoRedundantBackup ? 'Enabled' : 'Disabled'
    }
    highAvailability: { mode: highAvailability ? 'ZoneRedundant' : 'Disabled' }
    network: {
      delegatedSubnetResourceId: delegatedSubnetId
      privateDnsZoneArmResourceId: privateDnsZoneId
      publicNetworkAccess: 'Disabled'
    }
  }
}

// Flexible Server refuses CREATE EXTENSION for anything not allow-listed here.
resource extensions 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2024-08-01' = {
  parent: server
  name: 'azure.extensions'
  properties: { value: 'PG_TRGM', source: 'user-override' }
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2024-08-01' = {
  parent: server
  name: databaseName
  properties: { charset: 'UTF8', collation: 'en_US.utf8' }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

// TLS is required by the server (require_secure_transport) and by the app (DATABASE_SSL).
resource databaseUrl 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  // checkov:skip=CKV_AZURE_41:Rewritten from the resource's current key on every deployment; an expiry date would break the app's reference the day it passed without a rotation.
  parent: vault
  name: 'database-url'
  properties: {
    contentType: 'postgresql URL'
    value: 'postgresql://${administratorLogin}:${uriComponent(administratorPassword)}@${server.properties.fullyQualifiedDomainName}:5432/${databaseName}?sslmode=require'
  }
}

output id string = server.id
output name string = server.name
output host string = server.properties.fullyQualifiedDomainName
