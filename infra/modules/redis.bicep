// Azure Cache for Redis: Django's cache and sessions, and Celery's broker and results.
// TLS only (port 6380); writes REDIS_URL into Key Vault.

param prefix string
param location string
@allowed(['Basic', 'Standard'])
param skuName string
param capacity int
param keyVaultName string

resource redis 'Microsoft.Cache/redis@2024-03-01' = {
  // checkov:skip=CKV_AZURE_89:Basic and Standard caches cannot join a VNet and private endpoints cost more than the cache; the access key and TLS 1.2 guard it.
  name: '${prefix}-redis-${uniqueString(resourceGroup().id)}'
  location: location
  properties: {
    sku: { name: skuName, family: 'C', capacity: capacity }
    enableNonSslPort: false
    minimumTlsVersion: '1.2'
    redisVersion: '6'
    redisConfiguration: {
      // Evict only keys with a TTL (cache entries), never Celery's queues, which have none.
      'maxmemory-policy': 'volatile-lru'
    }
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

// Celery's Redis result backend refuses a rediss:// URL without ssl_cert_reqs.
resource redisUrl 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  // checkov:skip=CKV_AZURE_41:Rewritten from the resource's current key on every deployment; an expiry date would break the app's reference the day it passed without a rotation.
  parent: vault
  name: 'redis-url'
  properties: {
    contentType: 'redis URL'
    value: 'rediss://:${uriComponent(redis.listKeys().primaryKey)}@${redis.properties.hostName}:${redis.properties.sslPort}/0?ssl_cert_reqs=required'
  }
}

output id string = redis.id
output host string = redis.properties.hostName
