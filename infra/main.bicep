// Artisan Market on Azure, one environment per resource group (dev, staging, prod):
// App Service (web + staging slot, Celery worker with beat), PostgreSQL Flexible Server 16,
// Azure Cache for Redis, Blob Storage behind Front Door, Key Vault, Application Insights,
// autoscale and alerts. Parameters per environment: infra/env/<env>.parameters.json.
// No secret is a parameter except the database administrator password, which the infra
// workflow passes from a GitHub environment secret; see infra/README.md.

targetScope = 'resourceGroup'

@description('Short name used as a prefix for every resource (lowercase letters, digits, hyphens).')
@minLength(3)
@maxLength(12)
param name string

@allowed(['dev', 'staging', 'prod'])
param environmentName string

param location string = resourceGroup().location

@description('Image repository and tag in the registry, e.g. artisan-market:<git sha>.')
param image string = 'artisan-market:latest'

@description('Public host name of the site, e.g. shop.example.com.')
param siteHost string

param fromEmail string

@description('Stripe publishable key (public by design: it is sent to every browser).')
param stripePublishableKey string

@description('Where alerts are emailed.')
param alertEmail string

@description('Object id allowed to write the operator secrets into Key Vault (empty: none).')
param operatorPrincipalId string = ''

@secure()
@description('PostgreSQL administrator password: from the workflow secret POSTGRES_ADMIN_PASSWORD, never a parameter file.')
param postgresAdminPassword string

@allowed(['Burstable', 'GeneralPurpose', 'MemoryOptimized'])
param postgresSkuTier string = 'Burstable'
param postgresSkuName string = 'Standard_B2s'
@description('Zone-redundant standby; needs GeneralPurpose or MemoryOptimized.')
param postgresHighAvailability bool = false
@minValue(7)
@maxValue(35)
param postgresBackupRetentionDays int = 7
param postgresGeoRedundantBackup bool = false
param postgresStorageSizeGB int = 32

param redisSkuName string = 'Basic'
param redisCapacity int = 0

@allowed(['Standard_LRS', 'Standard_ZRS', 'Standard_GRS'])
param storageSkuName string = 'Standard_LRS'

@minValue(1)
param minInstances int = 1
@maxValue(10)
param maxInstances int = 10
param defaultInstances int = 1
param requestsScaleOutPerInstance int = 6000

param logRetentionDays int = 30

var prefix = '${name}-${environmentName}'

// Default max_connections per SKU (Azure's published limits); the alert fires at 90 %.
var postgresMaxConnectionsBySku = {
  Standard_B1ms: 50
  Standard_B2s: 429
  Standard_B2ms: 859
  Standard_D2ds_v5: 859
  Standard_D4ds_v5: 1718
}

module network 'modules/network.bicep' = {
  name: 'network'
  params: { prefix: prefix, location: location }
}


module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: { prefix: prefix, location: location }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    prefix: prefix
    location: location
    appPrincipalId: identity.outputs.principalId
    operatorPrincipalId: operatorPrincipalId
    subnetIds: [network.outputs.appSubnetId]
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: { prefix: prefix, location: location, retentionDays: logRetentionDays, keyVaultName: keyVault.outputs.name }
}

module registry 'modules/registry.bicep' = {
  name: 'registry'
  params: { prefix: prefix, location: location, appPrincipalId: identity.outputs.principalId }
}

module postgres 'modules/postgres.bicep' = {
  name: 'postgres'
  params: {
    prefix: prefix
    location: location
    skuTier: postgresSkuTier
    skuName: postgresSkuName
    highAvailability: postgresHighAvailability
    backupRetentionDays: postgresBackupRetentionDays
    geoRedundantBackup: postgresGeoRedundantBackup
    storageSizeGB: postgresStorageSizeGB
    delegatedSubnetId: network.outputs.postgresSubnetId
    privateDnsZoneId: network.outputs.postgresDnsZoneId
    keyVaultName: keyVault.outputs.name
    administratorPassword: postgresAdminPassword
  }
}

module redis 'modules/redis.bicep' = {
  name: 'redis'
  params: {
    prefix: prefix
    location: location
    skuName: redisSkuName
    capacity: redisCapacity
    keyVaultName: keyVault.outputs.name
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: { prefix: prefix, location: location, keyVaultName: keyVault.outputs.name, skuName: storageSkuName }
}

module app 'modules/appservice.bicep' = {
  name: 'appservice'
  // The app's Key Vault references must resolve on first start: the secrets exist first.
  dependsOn: [postgres, redis, monitoring]
  params: {
    prefix: prefix
    location: location
    image: image
    registryLoginServer: registry.outputs.loginServer
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    subnetId: network.outputs.appSubnetId
    keyVaultUri: keyVault.outputs.uri
    siteHost: siteHost
    fromEmail: fromEmail
    stripePublishableKey: stripePublishableKey
    storageAccountName: storage.outputs.accountName
    cdnHost: storage.outputs.cdnHost
    minInstances: minInstances
    maxInstances: maxInstances
    defaultInstances: defaultInstances
    requestsScaleOutPerInstance: requestsScaleOutPerInstance
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: {
    prefix: prefix
    location: location
    alertEmail: alertEmail
    insightsId: monitoring.outputs.insightsId
    postgresId: postgres.outputs.id
    postgresMaxConnections: postgresMaxConnectionsBySku[postgresSkuName]
    redisId: redis.outputs.id
  }
}

output appUrl string = app.outputs.webUrl
output stagingUrl string = app.outputs.stagingUrl
output webAppName string = app.outputs.webName
output workerAppName string = app.outputs.workerName
output storageEndpoint string = storage.outputs.blobEndpoint
output cdnHost string = storage.outputs.cdnHost
output registryLoginServer string = registry.outputs.loginServer
output keyVaultName string = keyVault.outputs.name
output postgresHost string = postgres.outputs.host
