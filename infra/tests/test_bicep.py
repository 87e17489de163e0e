"""Offline checks of infra/: every Bicep file parses (pycep-parser, the parser checkov uses) and
the templates hold what production needs. `az bicep build` and a deployment need Azure; these
read the same files without it."""

import json
import re

import celery
import dj_database_url
import pytest
import redis
from celery.backends.redis import RedisBackend

from .bicep import (
    ENVIRONMENTS,
    INFRA,
    KEY_VAULT_REFERENCE,
    MODULES,
    REPO,
    bicep_files,
    main,
    module,
    parameter_value,
    parameters,
    parse,
    property_path,
    resource,
    resources,
)


@pytest.mark.parametrize("path", bicep_files(), ids=lambda p: str(p.relative_to(INFRA)))
def test_every_bicep_file_parses(path):
    parsed = parse(path)
    assert parsed.get("resources") or parsed.get("modules"), f"{path.name} declares nothing"


def test_main_deploys_every_module_and_nothing_is_left_over():
    used = {m["detail"]["path"] for m in main()["modules"].values()}
    on_disk = {f"modules/{p.name}" for p in MODULES.glob("*.bicep")}
    assert used == on_disk


def test_outputs_give_the_app_url_storage_endpoint_and_cdn_host():
    outputs = main()["outputs"]
    assert property_path(outputs["appUrl"]["value"]) == "app.outputs.webUrl"
    assert property_path(outputs["storageEndpoint"]["value"]) == "storage.outputs.blobEndpoint"
    assert property_path(outputs["cdnHost"]["value"]) == "storage.outputs.cdnHost"
    assert module("storage")["outputs"]["cdnHost"]["value"]["operator"]["operands"]["operand_1"] == "endpoint"


# --- App Service ----------------------------------------------------------------------------


def test_plan_is_linux_standard_s1_with_per_app_scaling():
    plan = resource("appservice", "plan")
    assert plan["type"] == "Microsoft.Web/serverfarms"
    body = plan["body"]
    assert body["kind"] == "linux"
    assert body["sku"]["name"] == "S1" and body["sku"]["tier"] == "Standard"
    assert body["properties"]["reserved"] is True
    assert body["properties"]["perSiteScaling"] is True


def test_autoscale_runs_one_to_ten_instances_on_cpu_and_request_count():
    autoscale = resource("appservice", "autoscale")
    assert autoscale["type"] == "Microsoft.Insights/autoscalesettings"
    body = autoscale["body"]["properties"]
    assert property_path(body["targetResourceUri"]) == "plan.id"
    (profile,) = body["profiles"]
    capacity = profile["capacity"]
    assert capacity["minimum"]["function"]["parameters"]["value_to_convert"] == "minInstances"
    assert capacity["maximum"]["function"]["parameters"]["value_to_convert"] == "maxInstances"
    scale_out = {
        r["metricTrigger"]["metricName"]: r for r in profile["rules"] if r["scaleAction"]["direction"] == "Increase"
    }
    assert set(scale_out) == {"CpuPercentage", "Requests"}
    cpu = scale_out["CpuPercentage"]["metricTrigger"]
    assert cpu["operator"] == "GreaterThan" and cpu["threshold"] == "cpuScaleOutPercent"
    assert module("appservice")["parameters"]["cpuScaleOutPercent"]["default"] == 70
    requests = scale_out["Requests"]["metricTrigger"]
    assert property_path(requests["metricResourceUri"]) == "web.id"
    assert requests["dividePerInstance"] is True
    assert any(r["scaleAction"]["direction"] == "Decrease" for r in profile["rules"]), "never scales back in"

    bounds = main()["parameters"]
    assert bounds["minInstances"]["default"] == 1
    assert {"type": "min_value", "argument": 1} in bounds["minInstances"]["decorators"]
    assert {"type": "max_value", "argument": 10} in bounds["maxInstances"]["decorators"]
    for environment in ENVIRONMENTS:
        low, high = parameter_value(environment, "minInstances"), parameter_value(environment, "maxInstances")
        assert 1 <= low <= parameter_value(environment, "defaultInstances") <= high <= 10
    assert (parameter_value("prod", "minInstances"), parameter_value("prod", "maxInstances")) == (1, 10)


def _site_config(symbol):
    return resource("appservice", symbol)["body"]["properties"]["siteConfig"]


def test_web_app_runs_the_container_with_gunicorn_and_the_health_check():
    web = resource("appservice", "web")
    assert web["type"] == "Microsoft.Web/sites"
    props = web["body"]["properties"]
    assert props["httpsOnly"] is True
    config = props["siteConfig"]
    assert config["linuxFxVersion"].startswith("DOCKER|")
    assert config["healthCheckPath"] == "/api/health"
    assert config["appCommandLine"] == "web"  # infra/entrypoint.sh web -> gunicorn
    assert config["ftpsState"] == "Disabled" and config["minTlsVersion"] == "1.2"
    assert config["acrUseManagedIdentityCreds"] is True


def test_staging_slot_migrates_and_production_never_does():
    slot = resource("appservice", "staging")
    assert slot["type"] == "Microsoft.Web/sites/slots"
    assert slot["body"]["parent"] == "web" and slot["body"]["name"] == "staging"
    assert _site_config("staging")["healthCheckPath"] == "/api/health"
    variables = module("appservice")["variables"]

    def run_migrations(variable):
        extra = variables[variable]["value"]["function"]["parameters"]["arg_2"]
        return {item["name"]: item["value"] for item in extra}["RUN_MIGRATIONS"]

    assert _site_config("web")["appSettings"] == "webSettings" and run_migrations("webSettings") == "0"
    assert _site_config("staging")["appSettings"] == "stagingSettings" and run_migrations("stagingSettings") == "1"
    settings = _app_settings()
    # A swap goes ahead only when the slot's instances answer the health check, and the slot's
    # containers get long enough to migrate before they must listen.
    assert settings["WEBSITE_SWAP_WARMUP_PING_PATH"] == "/api/health"
    assert settings["WEBSITE_SWAP_WARMUP_PING_STATUSES"] == "200"
    assert int(settings["WEBSITES_CONTAINER_START_TIME_LIMIT"]) >= 600
    sticky = resource("appservice", "stickySettings")["body"]
    assert sticky["name"] == "slotConfigNames"
    assert "RUN_MIGRATIONS" in sticky["properties"]["appSettingNames"]


def test_worker_app_runs_celery_with_beat_on_exactly_one_instance():
    worker = resource("appservice", "worker")
    assert worker["type"] == "Microsoft.Web/sites"
    config = _site_config("worker")
    assert config["appCommandLine"] == "worker-beat"
    assert config["numberOfWorkers"] == 1
    assert property_path(worker["body"]["properties"]["serverFarmId"]) == "plan.id"


# --- Settings the app reads, secrets in Key Vault --------------------------------------------

PLATFORM_SETTINGS = {
    "WEBSITES_PORT",
    "WEBSITES_ENABLE_APP_SERVICE_STORAGE",
    "WEBSITES_CONTAINER_START_TIME_LIMIT",
    "WEBSITE_SWAP_WARMUP_PING_PATH",
    "WEBSITE_SWAP_WARMUP_PING_STATUSES",
    "RUN_MIGRATIONS",
}
OPERATOR_SECRETS = {
    "secret-key",
    "stripe-secret-key",
    "stripe-webhook-secret",
    "stripe-connect-webhook-secret",
    "sendgrid-api-key",
}


def _app_settings() -> dict:
    variables = module("appservice")["variables"]
    return {item["name"]: item["value"] for item in variables["appSettings"]["value"]}


def _kv_references() -> dict[str, str]:
    """App setting -> Key Vault secret name."""
    kv = module("appservice")["variables"]["kv"]["value"]
    references = {}
    for name, value in _app_settings().items():
        path = property_path(value) if isinstance(value, dict) else None
        if path and path.startswith("kv."):
            match = KEY_VAULT_REFERENCE.match(kv[path.removeprefix("kv.")])
            assert match, f"{name} is not a Key Vault reference: {kv[path.removeprefix('kv.')]}"
            references[name] = match.group(1)
    return references


def _settings_the_app_reads() -> set[str]:
    source = (REPO / "marketplace" / "settings.py").read_text()
    return set(re.findall(r'env_(?:str|bool|int|decimal|list|choice)\(\s*"([A-Z0-9_]+)"', source))


def test_every_app_setting_is_one_the_app_reads():
    read = _settings_the_app_reads()
    unknown = set(_app_settings()) - read - PLATFORM_SETTINGS - {"APPLICATIONINSIGHTS_CONNECTION_STRING"}
    assert unknown == set(), f"set in Bicep, read by nobody: {sorted(unknown)}"


def test_every_setting_production_requires_is_set():
    source = (REPO / "marketplace" / "settings.py").read_text()
    required_block = source[source.index("def _require_production_settings") : source.index("missing = [")]
    required = set(re.findall(r'env_str\("([A-Z0-9_]+)"\)', required_block)) - {"AZURE_CONNECTION_STRING"}
    required |= {"SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ENV"}
    assert required - set(_app_settings()) == set()


def test_secrets_are_key_vault_references_resolved_by_the_app_identity():
    references = _kv_references()
    assert set(references) == {
        "SECRET_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "STRIPE_SECRET_KEY",
        "STRIPE_WEBHOOK_SECRET",
        "STRIPE_CONNECT_WEBHOOK_SECRET",
        "AZURE_ACCOUNT_KEY",
        "SENDGRID_API_KEY",
        "APPLICATIONINSIGHTS_CONNECTION_STRING",  # its ingestion key lets anyone write telemetry
    }
    for symbol in ("web", "staging", "worker"):
        props = resource("appservice", symbol)["body"]["properties"]
        assert props["keyVaultReferenceIdentity"] == "identityId"
    vault = resource("keyvault", "vault")["body"]["properties"]
    assert vault["enableRbacAuthorization"] is True
    assert vault["networkAcls"]["defaultAction"] == "Deny"
    grant = resource("keyvault", "appReadsSecrets")["body"]["properties"]
    assert grant["principalId"] == "appPrincipalId"
    assert module("keyvault")["variables"]["secretsUserRole"]["value"] == "4633458b-17de-408a-b874-0445c86b69e6"


def test_every_referenced_secret_is_written_by_a_module_or_documented_for_the_operator():
    written = {
        resource(name, symbol)["body"]["name"]
        for name in ("postgres", "redis", "storage", "monitoring")
        for symbol, found in resources(name).items()
        if found["type"] == "Microsoft.KeyVault/vaults/secrets"
    }
    assert written == {"database-url", "redis-url", "azure-account-key", "applicationinsights-connection-string"}
    referenced = set(_kv_references().values())
    assert referenced - written == OPERATOR_SECRETS
    guide = (INFRA / "README.md").read_text()
    for secret in OPERATOR_SECRETS:
        assert f"`{secret}`" in guide, f"infra/README.md does not tell the operator to set {secret}"


def test_no_secret_in_a_parameter_file():
    secure = {name for name, p in main()["parameters"].items() if {"type": "secure"} in p["decorators"]}
    assert secure == {"postgresAdminPassword"}
    assert main()["parameters"]["postgresAdminPassword"]["default"] is None
    for environment in ENVIRONMENTS:
        values = parameters(environment)
        assert not secure & set(values)
        text = json.dumps(values)
        for pattern in (r"sk_(live|test)_", r"whsec_", r"SG\.", r"rediss?://", r"postgres(ql)?://", r"AccountKey="):
            assert not re.search(pattern, text), f"{environment}.parameters.json holds something like a secret"
        assert values["stripePublishableKey"].startswith("pk_live_" if environment == "prod" else "pk_test_")


def test_connection_urls_written_to_key_vault_are_ones_the_app_accepts():
    """The URL templates, filled with sample values, through the same parsers the app uses."""
    database = resource("postgres", "databaseUrl")["body"]["properties"]["value"]
    filled = (
        database.replace("${administratorLogin}", "marketplace")
        .replace("${uriComponent(administratorPassword)}", "p%40ss%2Fword")
        .replace("${server.properties.fullyQualifiedDomainName}", "artisan-prod-pg.postgres.database.azure.com")
        .replace("${databaseName}", "marketplace")
    )
    assert "${" not in filled, filled
    parsed = dj_database_url.parse(filled)
    assert parsed["PASSWORD"] == "p@ss/word" and parsed["OPTIONS"]["sslmode"] == "require"

    cache_url = resource("redis", "redisUrl")["body"]["properties"]["value"]
    filled = (
        cache_url.replace("${uriComponent(redis.listKeys().primaryKey)}", "abc%2Bdef%3D")
        .replace("${redis.properties.hostName}", "artisan-prod-redis.redis.cache.windows.net")
        .replace("${redis.properties.sslPort}", "6380")
    )
    assert "${" not in filled, filled
    pool = redis.ConnectionPool.from_url(filled)
    assert pool.connection_class is redis.SSLConnection
    assert pool.connection_kwargs["password"] == "abc+def="
    # Celery's result backend refuses rediss:// without ssl_cert_reqs; this must not raise.
    backend = RedisBackend(app=celery.Celery(set_as_current=False), url=filled)
    assert backend.connparams["ssl_cert_reqs"] == __import__("ssl").CERT_REQUIRED


# --- Data services ------------------------------------------------------------------------


def test_postgres_16_burstable_b2s_private_with_pg_trgm_and_point_in_time_backups():
    server = resource("postgres", "server")
    assert server["type"] == "Microsoft.DBforPostgreSQL/flexibleServers"
    props = server["body"]["properties"]
    assert props["version"] == "16"
    assert main()["parameters"]["postgresSkuName"]["default"] == "Standard_B2s"
    assert main()["parameters"]["postgresSkuTier"]["default"] == "Burstable"
    assert props["network"]["publicNetworkAccess"] == "Disabled"
    assert props["network"]["delegatedSubnetResourceId"] == "delegatedSubnetId"
    assert props["backup"]["backupRetentionDays"] == "backupRetentionDays"
    extensions = resource("postgres", "extensions")["body"]
    assert extensions["name"] == "azure.extensions"
    assert "PG_TRGM" in extensions["properties"]["value"].upper().split(",")
    for environment in ENVIRONMENTS:
        assert 7 <= parameter_value(environment, "postgresBackupRetentionDays") <= 35


def test_high_availability_is_off_in_dev_and_on_in_prod_on_a_tier_that_offers_it():
    mode = resource("postgres", "server")["body"]["properties"]["highAvailability"]["mode"]["operator"]
    assert mode["operands"] == {
        "condition": "highAvailability",
        "true_value": "ZoneRedundant",
        "false_value": "Disabled",
    }
    assert parameter_value("dev", "postgresHighAvailability") is False
    assert parameter_value("prod", "postgresHighAvailability") is True
    assert (parameter_value("dev", "postgresSkuTier"), parameter_value("dev", "postgresSkuName")) == (
        "Burstable",
        "Standard_B2s",
    )
    for environment in ENVIRONMENTS:
        if parameter_value(environment, "postgresHighAvailability"):
            # Azure refuses zone-redundant HA on Burstable servers.
            assert parameter_value(environment, "postgresSkuTier") != "Burstable"
        sku = parameter_value(environment, "postgresSkuName")
        assert sku in main()["variables"]["postgresMaxConnectionsBySku"]["value"], f"no connection limit for {sku}"


def test_redis_is_basic_c0_and_tls_only():
    cache = resource("redis", "redis")
    assert cache["type"] == "Microsoft.Cache/redis"
    props = cache["body"]["properties"]
    assert props["enableNonSslPort"] is False
    assert props["minimumTlsVersion"] == "1.2"
    for environment in ENVIRONMENTS:
        assert (parameter_value(environment, "redisSkuName"), parameter_value(environment, "redisCapacity")) == (
            "Basic",
            0,
        )
    assert props["sku"] == {"name": "skuName", "family": "C", "capacity": "capacity"}


def test_storage_media_container_behind_front_door():
    assert resource("storage", "account")["type"] == "Microsoft.Storage/storageAccounts"
    account = resource("storage", "account")["body"]["properties"]
    assert account["supportsHttpsTrafficOnly"] is True and account["minimumTlsVersion"] == "TLS1_2"
    assert resource("storage", "media")["body"]["name"] == "media"
    assert resource("storage", "cdn")["body"]["sku"]["name"] == "Standard_AzureFrontDoor"
    route = resource("storage", "route")["body"]["properties"]
    # django-storages keeps the container in the path under AZURE_CUSTOM_DOMAIN: /media/<name>.
    assert route["patternsToMatch"] == ["/media/*"]
    assert "originPath" not in route
    assert route["supportedProtocols"] == ["Https"]


def test_application_insights_on_a_log_analytics_workspace():
    assert resource("monitoring", "logs")["type"] == "Microsoft.OperationalInsights/workspaces"
    insights = resource("monitoring", "insights")
    assert insights["type"] == "Microsoft.Insights/components"
    assert property_path(insights["body"]["properties"]["WorkspaceResourceId"]) == "logs.id"
    assert _kv_references()["APPLICATIONINSIGHTS_CONNECTION_STRING"] == "applicationinsights-connection-string"
    secret = resource("monitoring", "connectionString")["body"]["properties"]["value"]
    assert property_path(secret) == "insights.properties.ConnectionString"


# --- Alerts ---------------------------------------------------------------------------------


def _log_alerts() -> dict:
    return {a["name"]: a for a in module("alerts")["variables"]["logAlerts"]["value"]}


def test_log_alerts_watch_5xx_payment_latency_webhooks_and_transfers():
    alerts = _log_alerts()
    assert set(alerts) == {"http-5xx-rate", "payment-api-p95", "webhook-failure-rate", "failed-transfers"}
    assert alerts["http-5xx-rate"]["threshold"] == 5 and ">= 500" in alerts["http-5xx-rate"]["query"]
    assert alerts["payment-api-p95"]["threshold"] == 2000  # requests.duration is in milliseconds
    assert "percentile(duration, 95)" in alerts["payment-api-p95"]["query"]
    assert alerts["webhook-failure-rate"]["threshold"] == 1
    assert alerts["failed-transfers"]["threshold"] == 0 and alerts["failed-transfers"]["aggregation"] == "Count"
    rule = resource("alerts", "queryAlerts")
    assert rule["type"] == "Microsoft.Insights/scheduledQueryRules"
    assert rule["body"]["properties"]["scopes"] == ["insightsId"]
    assert rule["body"]["properties"]["actions"]["actionGroups"] == [{"operator": _id_of("actionGroup")}]


def _id_of(symbol):
    return {"type": "property_accessor", "operands": {"operand_1": symbol, "operand_2": "id"}}


def test_alert_queries_match_the_app_routes_and_log_lines():
    alerts = _log_alerts()
    payment = re.search(r'url matches regex @"([^"]+)"', alerts["payment-api-p95"]["query"]).group(1)
    webhook = re.search(r'url matches regex @"([^"]+)"', alerts["webhook-failure-rate"]["query"]).group(1)
    assert re.search(payment, "https://shop.example/api/payments/create-intent")
    assert re.search(webhook, "https://shop.example/api/payments/webhook")
    assert re.search(webhook, "https://shop.example/api/v1/payments/connect-webhook")
    assert not re.search(webhook, "https://shop.example/api/payments/create-intent")
    followups = (REPO / "checkout" / "followups.py").read_text()
    assert 'logger.error("Transfer for order %s failed for good' in followups
    assert 'customEvents | where name == "transfer_failed"' in alerts["failed-transfers"]["query"]


def test_metric_alerts_on_database_connections_and_redis_evictions():
    connections = resource("alerts", "dbConnections")["body"]["properties"]
    (criterion,) = connections["criteria"]["allOf"]
    assert criterion["metricName"] == "active_connections" and criterion["operator"] == "GreaterThan"
    threshold = criterion["threshold"]["operator"]
    assert threshold["type"] == "divide" and threshold["operands"]["operand_2"] == 100
    assert threshold["operands"]["operand_1"]["operator"]["operands"] == {
        "operand_1": "postgresMaxConnections",
        "operand_2": 90,
    }
    assert main()["variables"]["postgresMaxConnectionsBySku"]["value"]["Standard_B2s"] == 429
    evictions = resource("alerts", "redisEvictions")["body"]["properties"]
    (criterion,) = evictions["criteria"]["allOf"]
    assert (criterion["metricName"], criterion["operator"], criterion["threshold"]) == ("evictedkeys", "GreaterThan", 0)
    for body in (connections, evictions):
        assert body["actions"] == [{"actionGroupId": {"operator": _id_of("actionGroup")}}]


def test_action_group_emails_the_on_call_address():
    group = resource("alerts", "actionGroup")
    assert group["type"] == "Microsoft.Insights/actionGroups"
    assert group["body"]["properties"]["emailReceivers"][0]["emailAddress"] == "alertEmail"
    for environment in ENVIRONMENTS:
        assert "@" in parameters(environment)["alertEmail"]


def test_every_checkov_skip_sits_inside_its_resource_with_a_reason():
    """checkov reads suppressions from a resource's own lines; one above the resource is ignored,
    and a skip without a reason is an unexplained failure."""
    skip = re.compile(r"checkov:skip=([A-Z0-9_,]+)(?::(.*))?")
    seen = 0
    for path in bicep_files():
        lines = path.read_text().splitlines()
        inside = False
        for number, line in enumerate(lines, 1):
            if line.startswith("resource "):
                inside = True
            elif line.startswith("}"):
                inside = False
            found = skip.search(line)
            if not found:
                continue
            seen += 1
            where = f"{path.relative_to(INFRA)}:{number}"
            assert inside, f"{where}: the skip must be inside the resource it applies to"
            assert found.group(2) and len(found.group(2).strip()) >= 20, f"{where}: {found.group(1)} has no reason"
            assert "," not in found.group(1), f"{where}: one check per skip line (checkov reads only the first)"
    assert seen > 0


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_parameter_files_set_only_declared_parameters_and_every_required_one(environment):
    declared = main()["parameters"]
    values = parameters(environment)
    assert set(values) - set(declared) == set(), "a parameter main.bicep does not declare (a typo?)"
    required = {
        name for name, p in declared.items() if p.get("default") is None and {"type": "secure"} not in p["decorators"]
    }
    assert required - set(values) == set()
    assert values["environmentName"] == environment
    for name, value in values.items():
        allowed = next((d["argument"] for d in declared[name]["decorators"] if d["type"] == "allowed"), None)
        if allowed is not None:
            assert value in allowed, f"{name}={value!r} is not one of {allowed}"
