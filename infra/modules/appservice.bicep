// App Service: one Linux plan (Standard S1) autoscaled 1-10 instances on CPU and request
// count; the web app (gunicorn in the container, health check /api/health) with a staging
// slot for swaps; a second app on the same plan running the Celery worker with beat.

param prefix string
param location string
param image string
param registryLoginServer string
param identityId string
param identityClientId string
param subnetId string
param keyVaultUri string
param siteHost string
param fromEmail string
param stripePublishableKey string
param storageAccountName string
param cdnHost string
param minInstances int
param maxInstances int
param defaultInstances int
@description('Average CPU % over 10 minutes above which the plan adds an instance.')
param cpuScaleOutPercent int = 70
@description('Requests per instance in 5 minutes above which the plan adds an instance.')
param requestsScaleOutPerInstance int

// Every secret is a Key Vault reference resolved by App Service with the app identity;
// the values never appear in app settings, parameter files or deployment history.
var kv = {
  secretKey: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/secret-key/)'
  databaseUrl: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/database-url/)'
  redisUrl: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/redis-url/)'
  stripeSecretKey: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/stripe-secret-key/)'
  stripeWebhookSecret: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/stripe-webhook-secret/)'
  stripeConnectWebhookSecret: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/stripe-connect-webhook-secret/)'
  azureAccountKey: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/azure-account-key/)'
  sendgridApiKey: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/sendgrid-api-key/)'
  insightsConnectionString: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/applicationinsights-connection-string/)'
}

var webName = '${prefix}-web'
var webHost = '${webName}.azurewebsites.net'
var stagingHost = '${webName}-staging.azurewebsites.net'

// The names marketplace/settings.py reads (see README "What each service is").
var appSettings = [
  { name: 'DJANGO_ENV', value: 'production' }
  { name: 'SECRET_KEY', value: kv.secretKey }
  { name: 'DATABASE_URL', value: kv.databaseUrl }
  // 1 vCPU per S1 instance: 3 sync gunicorn workers, one request at a time each
  // (infra/gunicorn.conf.py); 2 pooled connections at most per worker keeps 10 instances
  // at 60 connections plus the Celery worker, well under B2s's 429.
  { name: 'DATABASE_POOL_MAX', value: '2' }
  { name: 'REDIS_URL', value: kv.redisUrl }
  { name: 'ALLOWED_HOSTS', value: '${siteHost},${webHost},${stagingHost}' }
  { name: 'CSRF_TRUSTED_ORIGINS', value: 'https://${siteHost}' }
  { name: 'SITE_URL', value: 'https://${siteHost}' }
  { name: 'STRIPE_SECRET_KEY', value: kv.stripeSecretKey }
  { name: 'STRIPE_PUBLISHABLE_KEY', value: stripePublishableKey }
  { name: 'STRIPE_WEBHOOK_SECRET', value: kv.stripeWebhookSecret }
  { name: 'STRIPE_CONNECT_WEBHOOK_SECRET', value: kv.stripeConnectWebhookSecret }
  { name: 'AZURE_ACCOUNT_NAME', value: storageAccountName }
  { name: 'AZURE_ACCOUNT_KEY', value: kv.azureAccountKey }
  { name: 'AZURE_CONTAINER', value: 'media' }
  { name: 'AZURE_CUSTOM_DOMAIN', value: cdnHost }
  { name: 'SENDGRID_API_KEY', value: kv.sendgridApiKey }
  { name: 'DEFAULT_FROM_EMAIL', value: fromEmail }
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: kv.insightsConnectionString }
  // App Service's front end is the one proxy hop in X-Forwarded-For.
  { name: 'TRUSTED_PROXY_COUNT', value: '1' }
  { name: 'WEBSITES_PORT', value: '8000' }
  { name: 'WEBSITES_ENABLE_APP_SERVICE_STORAGE', value: 'false' }
  // The staging slot migrates before gunicorn listens; App Service's default 230 s start limit
  // would kill a container in the middle of a long migration.
  { name: 'WEBSITES_CONTAINER_START_TIME_LIMIT', value: '900' }
  // A swap waits until every instance of the slot answers the health check with 200.
  { name: 'WEBSITE_SWAP_WARMUP_PING_PATH', value: '/api/health' }
  { name: 'WEBSITE_SWAP_WARMUP_PING_STATUSES', value: '200' }
]

// Migrations run in the staging slot before a swap (infra/entrypoint.sh `web` runs
// `manage.py release` first when RUN_MIGRATIONS=1). The setting is slot-sticky, so after a
// swap production still has 0 and never migrates on a restart or scale-out.
var webSettings = concat(appSettings, [{ name: 'RUN_MIGRATIONS', value: '0' }])
var stagingSettings = concat(appSettings, [{ name: 'RUN_MIGRATIONS', value: '1' }])

var siteIdentity = {
  type: 'UserAssigned'
  userAssignedIdentities: { '${identityId}': {} }
}

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  // checkov:skip=CKV_AZURE_225:Zone redundancy needs Premium v3 with 3 instances at least, over the launch budget (see infra/README.md costs).
  name: '${prefix}-plan'
  location: location
  kind: 'linux'
  sku: { name: 'S1', tier: 'Standard', capacity: defaultInstances }
  properties: {
    reserved: true
    // Per-app scaling: the worker stays on one instance (beat must run exactly once) while
    // the web app follows the plan's autoscale.
    perSiteScaling: true
  }
}

// siteConfig is spelled out in each site (not merged from a variable) so checkov reads it.
resource web 'Microsoft.Web/sites@2023-12-01' = {
  // checkov:skip=CKV_AZURE_13:Shoppers browse anonymously and sign in through the app (allauth); App Service authentication would turn them away.
  // checkov:skip=CKV_AZURE_17:Client certificates would refuse every browser; TLS is enforced by httpsOnly.
  // checkov:skip=CKV_AZURE_88:No local files to share: photos go to Blob Storage.
  // checkov:skip=CKV_AZURE_222:Public by design: this is the shop's website.
  // checkov:skip=CKV_AZURE_212:Instances come from the plan's autoscale (1-10), not a fixed sku capacity.
  // checkov:skip=CKV_AZURE_65:Detailed error pages stay off; errors are logged as JSON to stdout and Application Insights.
  // checkov:skip=CKV_AZURE_66:Requests are traced by Application Insights, not IIS failed-request tracing.
  // checkov:skip=CKV_AZURE_63:HTTP logs are gunicorn's JSON access log on stdout, collected by App Service.
  name: webName
  location: location
  kind: 'app,linux,container'
  identity: siteIdentity
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientAffinityEnabled: false
    keyVaultReferenceIdentity: identityId
    virtualNetworkSubnetId: subnetId
    siteConfig: {
      linuxFxVersion: 'DOCKER|${registryLoginServer}/${image}'
      acrUseManagedIdentityCreds: true
      acrUserManagedIdentityID: identityClientId
      appCommandLine: 'web'
      healthCheckPath: '/api/health'
      alwaysOn: true
      http20Enabled: true
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      vnetRouteAllEnabled: true
      appSettings: webSettings
    }
  }
}

resource stickySettings 'Microsoft.Web/sites/config@2023-12-01' = {
  // checkov:skip=CKV_AZURE_13:slotConfigNames only lists slot-sticky setting names; checkov reads every sites/config as a site.
  // checkov:skip=CKV_AZURE_63:slotConfigNames only lists slot-sticky setting names; checkov reads every sites/config as a site.
  // checkov:skip=CKV_AZURE_65:slotConfigNames only lists slot-sticky setting names; checkov reads every sites/config as a site.
  // checkov:skip=CKV_AZURE_66:slotConfigNames only lists slot-sticky setting names; checkov reads every sites/config as a site.
  // checkov:skip=CKV_AZURE_80:slotConfigNames only lists slot-sticky setting names; checkov reads every sites/config as a site.
  // checkov:skip=CKV_AZURE_88:slotConfigNames only lists slot-sticky setting names; checkov reads every sites/config as a site.
  // checkov:skip=CKV_AZURE_222:slotConfigNames only lists slot-sticky setting names; checkov reads every sites/config as a site.
  parent: web
  name: 'slotConfigNames'
  properties: { appSettingNames: ['RUN_MIGRATIONS'] }
}

resource staging 'Microsoft.Web/sites/slots@2023-12-01' = {
  // checkov:skip=CKV_AZURE_222:The staging slot answers the deploy workflow's smoke test from GitHub's runners before the swap.
  // checkov:skip=CKV_AZURE_212:A slot runs on the plan's instances, which autoscale sets.
  // checkov:skip=CKV_AZURE_213:Health check path is set below (/api/health); the slot check does not read it.
  parent: web
  name: 'staging'
  location: location
  kind: 'app,linux,container'
  identity: siteIdentity
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientAffinityEnabled: false
    keyVaultReferenceIdentity: identityId
    virtualNetworkSubnetId: subnetId
    siteConfig: {
      linuxFxVersion: 'DOCKER|${registryLoginServer}/${image}'
      acrUseManagedIdentityCreds: true
      acrUserManagedIdentityID: identityClientId
      appCommandLine: 'web'
      healthCheckPath: '/api/health'
      alwaysOn: true
      http20Enabled: true
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      vnetRouteAllEnabled: true
      appSettings: stagingSettings
    }
  }
}

resource worker 'Microsoft.Web/sites@2023-12-01' = {
  // checkov:skip=CKV_AZURE_13:The worker serves no pages; nobody signs in to it.
  // checkov:skip=CKV_AZURE_17:The worker serves no pages.
  // checkov:skip=CKV_AZURE_88:No local files to share: photos go to Blob Storage.
  // checkov:skip=CKV_AZURE_222:The worker serves nothing; App Service still gives every app a host name.
  // checkov:skip=CKV_AZURE_212:Exactly one instance on purpose: Celery beat must run once.
  // checkov:skip=CKV_AZURE_213:A Celery worker answers no HTTP probe; App Service restarts the container when it exits.
  // checkov:skip=CKV_AZURE_65:The worker serves no pages.
  // checkov:skip=CKV_AZURE_66:The worker serves no pages.
  // checkov:skip=CKV_AZURE_63:The worker serves no pages; its logs are JSON on stdout.
  name: '${prefix}-worker'
  location: location
  kind: 'app,linux,container'
  identity: siteIdentity
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    virtualNetworkSubnetId: subnetId
    siteConfig: {
      linuxFxVersion: 'DOCKER|${registryLoginServer}/${image}'
      acrUseManagedIdentityCreds: true
      acrUserManagedIdentityID: identityClientId
      appCommandLine: 'worker-beat'
      // Exactly one instance: beat's schedule would run once per instance otherwise.
      numberOfWorkers: 1
      alwaysOn: true
      http20Enabled: true
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      vnetRouteAllEnabled: true
      appSettings: appSettings
    }
  }
}

resource autoscale 'Microsoft.Insights/autoscalesettings@2022-10-01' = {
  name: '${prefix}-plan-autoscale'
  location: location
  properties: {
    enabled: true
    targetResourceUri: plan.id
    profiles: [
      {
        name: 'default'
        capacity: {
          minimum: string(minInstances)
          maximum: string(maxInstances)
          default: string(defaultInstances)
        }
        rules: [
          {
            metricTrigger: {
              metricName: 'CpuPercentage'
              metricResourceUri: plan.id
              timeGrain: 'PT1M'
              statistic: 'Average'
              timeWindow: 'PT10M'
              timeAggregation: 'Average'
              operator: 'GreaterThan'
              threshold: cpuScaleOutPercent
            }
            scaleAction: { direction: 'Increase', type: 'ChangeCount', value: '1', cooldown: 'PT5M' }
          }
          {
            metricTrigger: {
              metricName: 'Requests'
              metricResourceUri: web.id
              timeGrain: 'PT1M'
              statistic: 'Sum'
              timeWindow: 'PT5M'
              timeAggregation: 'Total'
              operator: 'GreaterThan'
              threshold: requestsScaleOutPerInstance
              dividePerInstance: true
            }
            scaleAction: { direction: 'Increase', type: 'ChangeCount', value: '1', cooldown: 'PT5M' }
          }
          {
            metricTrigger: {
              metricName: 'CpuPercentage'
              metricResourceUri: plan.id
              timeGrain: 'PT1M'
              statistic: 'Average'
              timeWindow: 'PT20M'
              timeAggregation: 'Average'
              operator: 'LessThan'
              threshold: 30
            }
            scaleAction: { direction: 'Decrease', type: 'ChangeCount', value: '1', cooldown: 'PT15M' }
          }
        ]
      }
    ]
  }
}

output webName string = web.name
output workerName string = worker.name
output webId string = web.id
output planId string = plan.id
output webUrl string = 'https://${web.properties.defaultHostName}'
output stagingUrl string = 'https://${staging.properties.defaultHostName}'
