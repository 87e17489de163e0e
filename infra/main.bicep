// Artisan Market on Azure: App Service (web + worker containers), PostgreSQL Flexible
// Server 16, Azure Cache for Redis, Blob Storage behind Azure CDN, Application Insights.
// Deploy: see infra/README.md.

@description('Short name used as a prefix for every resource (lowercase letters and digits).')
@minLength(3)
@maxLength(12)
param name string

param location string = resourceGroup().location

@description('Container image, e.g. myregistry.azurecr.io/artisan-market:2026-11-25')
param image string

@secure()
param djangoSecretKey string

@secure()
param postgresAdminPassword string

@secure()
param stripeSecretKey string
param stripePublishableKey string
@secure()
param stripeWebhookSecret string

@secure()
param sendgridApiKey string
param fromEmail string

@description('Public host name of the site, e.g. shop.example.com')
param siteHost string

var suffix = uniqueString(resourceGroup().id)

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${name}-logs-${suffix}'
  location: location
  properties: { sku: { name: 'PerGB2018' }, retentionInDays: 30 }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${name}-insights'
  location: location
  kind: 'web'
  properties: { Application_Type: 'web', WorkspaceResourceId: logs.id }
}

resource postgres 'Microsoft.DBforPostgreSQL/flexibleServers@2023-12-01-preview' = {
  name: '${name}-pg-${suffix}'
  location: location
  sku: { name: 'Standard_B2s', tier: 'Burstable' }
  properties: {
    version: '16'
    administratorLogin: 'marketplace'
    administratorLoginPassword: postgresAdminPassword
    storage: { storageSizeGB: 64, autoGrow: 'Enabled' }
    backup: { backupRetentionDays: 14, geoRedundantBackup: 'Disabled' }
    highAvailability: { mode: 'Disabled' }
  }
}

// pg_trgm is the one extension the migrations create; Flexible Server allow-lists extensions.
resource pgExtensions 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2023-12-01-preview' = {
  parent: postgres
  name: 'azure.extensions'
  properties: { value: 'PG_TRGM', source: 'user-override' }
}

resource pgDatabase 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2023-12-01-preview' = {
  parent: postgres
  name: 'marketplace'
}

resource pgAllowAzure 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2023-12-01-preview' = {
  parent: postgres
  name: 'AllowAzureServices'
  properties: { startIpAddress: '0.0.0.0', endIpAddress: '0.0.0.0' }
}

resource redis 'Microsoft.Cache/redis@2024-03-01' = {
  name: '${name}-redis-${suffix}'
  location: location
  properties: {
    sku: { name: 'Basic', family: 'C', capacity: 1 }
    enableNonSslPort: false
    minimumTlsVersion: '1.2'
  }
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: toLower('${name}media${take(suffix, 8)}')
  location: location
  sku: { name: 'Standard_LRS' }
  kind: 'StorageV2'
  properties: {
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: true
    supportsHttpsTrafficOnly: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource mediaContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: 'media'
  properties: { publicAccess: 'Blob' }
}

resource cdnProfile 'Microsoft.Cdn/profiles@2024-02-01' = {
  name: '${name}-cdn'
  location: 'global'
  sku: { name: 'Standard_Microsoft' }
}

resource cdnEndpoint 'Microsoft.Cdn/profiles/endpoints@2024-02-01' = {
  parent: cdnProfile
  name: '${name}-media-${take(suffix, 6)}'
  location: 'global'
  properties: {
    originHostHeader: '${storage.name}.blob.${environment().suffixes.storage}'
    isHttpAllowed: false
    origins: [
      {
        name: 'blob'
        properties: { hostName: '${storage.name}.blob.${environment().suffixes.storage}' }
      }
    ]
  }
}

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: '${name}-plan'
  location: location
  kind: 'linux'
  sku: { name: 'P1v3', tier: 'PremiumV3' }
  properties: { reserved: true }
}

var databaseUrl = 'postgresql://marketplace:${uriComponent(postgresAdminPassword)}@${postgres.properties.fullyQualifiedDomainName}:5432/marketplace'
var redisUrl = 'rediss://:${uriComponent(redis.listKeys().primaryKey)}@${redis.properties.hostName}:6380/0'

var commonSettings = [
  { name: 'DJANGO_ENV', value: 'production' }
  { name: 'SECRET_KEY', value: djangoSecretKey }
  { name: 'DATABASE_URL', value: databaseUrl }
  { name: 'REDIS_URL', value: redisUrl }
  { name: 'ALLOWED_HOSTS', value: '${siteHost},${name}-web.azurewebsites.net' }
  { name: 'CSRF_TRUSTED_ORIGINS', value: 'https://${siteHost}' }
  { name: 'SITE_URL', value: 'https://${siteHost}' }
  { name: 'STRIPE_SECRET_KEY', value: stripeSecretKey }
  { name: 'STRIPE_PUBLISHABLE_KEY', value: stripePublishableKey }
  { name: 'STRIPE_WEBHOOK_SECRET', value: stripeWebhookSecret }
  { name: 'AZURE_ACCOUNT_NAME', value: storage.name }
  { name: 'AZURE_ACCOUNT_KEY', value: storage.listKeys().keys[0].value }
  { name: 'AZURE_CONTAINER', value: 'media' }
  { name: 'AZURE_CUSTOM_DOMAIN', value: cdnEndpoint.properties.hostName }
  { name: 'SENDGRID_API_KEY', value: sendgridApiKey }
  { name: 'DEFAULT_FROM_EMAIL', value: fromEmail }
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
  { name: 'WEBSITES_PORT', value: '8000' }
]

resource web 'Microsoft.Web/sites@2023-12-01' = {
  name: '${name}-web'
  location: location
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      linuxFxVersion: 'DOCKER|${image}'
      alwaysOn: true
      healthCheckPath: '/api/health'
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appCommandLine: 'sh -c "python manage.py migrate --noinput && gunicorn -c infra/gunicorn.conf.py marketplace.wsgi:application"'
      appSettings: commonSettings
    }
  }
}

resource worker 'Microsoft.Web/sites@2023-12-01' = {
  name: '${name}-worker'
  location: location
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      linuxFxVersion: 'DOCKER|${image}'
      alwaysOn: true
      appCommandLine: 'celery -A marketplace worker --beat -l INFO --concurrency 2'
      appSettings: commonSettings
    }
  }
}

output webHost string = web.properties.defaultHostName
output cdnHost string = cdnEndpoint.properties.hostName
output postgresHost string = postgres.properties.fullyQualifiedDomainName
