// Product photos: a Storage account with the `media` container, served to shoppers through
// Azure Front Door Standard (the CDN; classic Azure CDN takes no new profiles since
// October 2025). Writes the account key into Key Vault for django-storages.

param prefix string
param location string
param keyVaultName string
@allowed(['Standard_LRS', 'Standard_ZRS', 'Standard_GRS'])
param skuName string

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  // checkov:skip=CKV_AZURE_35:Front Door Standard fetches photos over the public endpoint (private origins need Premium, ~$330/month).
  // checkov:skip=CKV_AZURE_43:The name is built by toLower(take(...,24)) from the prefix and uniqueString: 3-24 lowercase letters and digits; checkov cannot evaluate it.
  // checkov:skip=CKV_AZURE_59:Public network access is needed for Front Door Standard's origin fetches (private origins need Premium).
  // checkov:skip=CKV_AZURE_206:Photos can be regenerated from uploads only by the shops; ZRS/GRS is a parameter, on in prod.
  name: toLower(take('${replace(prefix, '-', '')}media${uniqueString(resourceGroup().id)}', 24))
  location: location
  sku: { name: skuName }
  kind: 'StorageV2'
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: true
    allowSharedKeyAccess: true
    publicNetworkAccess: 'Enabled'
    accessTier: 'Hot'
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    deleteRetentionPolicy: { enabled: true, days: 7 }
    containerDeleteRetentionPolicy: { enabled: true, days: 7 }
  }
}

resource media 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  // checkov:skip=CKV_AZURE_34:Product photos are public: Front Door Standard fetches them anonymously.
  parent: blobService
  name: 'media'
  properties: { publicAccess: 'Blob' }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource accountKey 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  // checkov:skip=CKV_AZURE_41:Rewritten from the resource's current key on every deployment; an expiry date would break the app's reference the day it passed without a rotation.
  parent: vault
  name: 'azure-account-key'
  properties: {
    contentType: 'storage account key'
    value: account.listKeys().keys[0].value
  }
}

var blobHost = '${account.name}.blob.${environment().suffixes.storage}'

resource cdn 'Microsoft.Cdn/profiles@2024-02-01' = {
  name: '${prefix}-cdn'
  location: 'global'
  sku: { name: 'Standard_AzureFrontDoor' }
}

resource endpoint 'Microsoft.Cdn/profiles/afdEndpoints@2024-02-01' = {
  parent: cdn
  name: '${prefix}-media'
  location: 'global'
  properties: { enabledState: 'Enabled' }
}

resource originGroup 'Microsoft.Cdn/profiles/originGroups@2024-02-01' = {
  parent: cdn
  name: 'blob'
  properties: {
    loadBalancingSettings: { sampleSize: 4, successfulSamplesRequired: 3, additionalLatencyInMilliseconds: 50 }
  }
}

resource origin 'Microsoft.Cdn/profiles/originGroups/origins@2024-02-01' = {
  parent: originGroup
  name: 'media'
  properties: {
    hostName: blobHost
    originHostHeader: blobHost
    httpsPort: 443
    priority: 1
    weight: 1000
    enforceCertificateNameCheck: true
  }
}

// django-storages keeps the container in the URL (https://<cdn host>/media/<name>) and only swaps
// the host, so the route passes /media/* through to the blob endpoint unchanged (no origin path).
resource route 'Microsoft.Cdn/profiles/afdEndpoints/routes@2024-02-01' = {
  parent: endpoint
  name: 'media'
  dependsOn: [origin]
  properties: {
    originGroup: { id: originGroup.id }
    supportedProtocols: ['Https']
    httpsRedirect: 'Enabled'
    forwardingProtocol: 'HttpsOnly'
    patternsToMatch: ['/media/*']
    linkToDefaultDomain: 'Enabled'
    cacheConfiguration: {
      queryStringCachingBehavior: 'IgnoreQueryString'
      compressionSettings: { isCompressionEnabled: false }
    }
  }
}

output accountName string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
output cdnHost string = endpoint.properties.hostName
