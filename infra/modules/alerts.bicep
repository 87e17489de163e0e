// Alert rules and the action group they notify. Ratios and percentiles are log queries over
// Application Insights' requests table (a metric alert cannot divide one metric by another);
// database connections and Redis evictions are platform metrics.
//
// The four log alerts read telemetry the app sends itself (azure-monitor-opentelemetry, when
// APPLICATIONINSIGHTS_CONNECTION_STRING is set: marketplace/telemetry.py); App Service does not
// instrument Python in a custom container, so without it these tables stay empty.

param prefix string
param location string
param alertEmail string
param insightsId string
param postgresId string
param postgresMaxConnections int
param redisId string

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: '${prefix}-oncall'
  location: 'global'
  properties: {
    groupShortName: take(replace('${prefix}oncall', '-', ''), 12)
    enabled: true
    emailReceivers: [{ name: 'oncall', emailAddress: alertEmail, useCommonAlertSchema: true }]
  }
}

// Paths are matched with and without an /api/v1 prefix so a versioned API keeps its alerts.
var logAlerts = [
  {
    name: 'http-5xx-rate'
    description: 'More than 5 % of requests answered 5xx over 15 minutes (at least 20 requests).'
    severity: 1
    query: 'requests | summarize total = count(), failed = countif(toint(resultCode) >= 500) | where total >= 20 | extend rate = 100.0 * failed / total | project rate'
    measure: 'rate'
    aggregation: 'Maximum'
    threshold: 5
  }
  {
    name: 'payment-api-p95'
    description: 'Payment API (not webhooks) 95th percentile above 2 s over 15 minutes.'
    severity: 2
    query: 'requests | where url matches regex @"/api/(v[0-9]+/)?payments/" and not(url matches regex @"webhook") | summarize p95 = percentile(duration, 95) | project p95'
    measure: 'p95'
    aggregation: 'Maximum'
    threshold: 2000
  }
  {
    name: 'webhook-failure-rate'
    description: 'More than 1 % of Stripe webhook deliveries not answered 2xx (Stripe retries them, then disables the endpoint).'
    severity: 1
    query: 'requests | where url matches regex @"/api/(v[0-9]+/)?payments/(connect-)?webhook" | summarize total = count(), failed = countif(not(resultCode startswith "2")) | where total > 0 | extend rate = 100.0 * failed / total | project rate'
    measure: 'rate'
    aggregation: 'Maximum'
    threshold: 1
  }
  {
    name: 'failed-transfers'
    description: 'A Stripe Connect transfer to a shop failed for good (the transfer_failed event, and the ERROR line checkout/followups.py logs with it).'
    severity: 1
    query: 'union isfuzzy=true (customEvents | where name == "transfer_failed"), (traces | where severityLevel >= 3 and message startswith "Transfer for order" and message has "failed for good")'
    measure: ''
    aggregation: 'Count'
    threshold: 0
  }
]

resource queryAlerts 'Microsoft.Insights/scheduledQueryRules@2022-06-15' = [for alert in logAlerts: {
  name: '${prefix}-${alert.name}'
  location: location
  properties: {
    displayName: '${prefix} ${alert.name}'
    description: alert.description
    severity: alert.severity
    enabled: true
    scopes: [insightsId]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: alert.query
          timeAggregation: alert.aggregation
          metricMeasureColumn: empty(alert.measure) ? null : alert.measure
          operator: 'GreaterThan'
          threshold: alert.threshold
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: { actionGroups: [actionGroup.id] }
  }
}]

resource dbConnections 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: '${prefix}-db-connections'
  location: 'global'
  properties: {
    description: 'PostgreSQL active connections above 90 % of max_connections.'
    severity: 2
    enabled: true
    scopes: [postgresId]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'connections'
          metricName: 'active_connections'
          operator: 'GreaterThan'
          // Parenthesised: integer division first would make it 0.
          threshold: (postgresMaxConnections * 90) / 100
          timeAggregation: 'Maximum'
        }
      ]
    }
    actions: [{ actionGroupId: actionGroup.id }]
  }
}

resource redisEvictions 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: '${prefix}-redis-evictions'
  location: 'global'
  properties: {
    description: 'Redis evicted keys: memory is full, cached pages, sessions and task results are being dropped.'
    severity: 2
    enabled: true
    scopes: [redisId]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'evictions'
          metricName: 'evictedkeys'
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Total'
        }
      ]
    }
    actions: [{ actionGroupId: actionGroup.id }]
  }
}

output actionGroupId string = actionGroup.id
