#!/usr/bin/env bash
# Create or update one environment's Azure resources from infra/main.bicep.
#   infra/deploy.sh dev|staging|prod            deploy
#   infra/deploy.sh dev|staging|prod --what-if  show what would change, change nothing
# Needs: az (logged in, subscription selected) and POSTGRES_ADMIN_PASSWORD in the environment.
# Optional: AZURE_RESOURCE_GROUP (default artisan-<env>), AZURE_LOCATION (default eastus),
# IMAGE (repository:tag in the registry; default: whatever the web app runs now),
# OPERATOR_PRINCIPAL_ID (object id allowed to write the operator secrets into Key Vault).
set -euo pipefail

env_name="${1:-}"
mode="${2:-deploy}"
case "$env_name" in dev | staging | prod) ;; *) echo "usage: $0 dev|staging|prod [--what-if]" >&2; exit 64 ;; esac
case "$mode" in deploy | --what-if) ;; *) echo "usage: $0 dev|staging|prod [--what-if]" >&2; exit 64 ;; esac
: "${POSTGRES_ADMIN_PASSWORD:?set POSTGRES_ADMIN_PASSWORD (the database administrator password, kept as a secret)}"

here="$(cd "$(dirname "$0")" && pwd)"
group="${AZURE_RESOURCE_GROUP:-artisan-$env_name}"
location="${AZURE_LOCATION:-eastus}"
name="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["parameters"]["name"]["value"])' "$here/env/$env_name.parameters.json")"

az group create --name "$group" --location "$location" --output none

# Redeploying the infrastructure must not change the running release: keep the web app's
# current image unless IMAGE names another one.
image="${IMAGE:-}"
if [ -z "$image" ]; then
  current="$(az webapp config container show --resource-group "$group" --name "$name-$env_name-web" \
    --query "[?name=='DOCKER_CUSTOM_IMAGE_NAME'].value | [0]" --output tsv 2>/dev/null || true)"
  image="${current#DOCKER|}"
  image="${image#*/}"  # drop the registry host; main.bicep adds its own
fi

# The password goes through a private file, not the command line (visible in `ps`).
secrets="$(mktemp)"
trap 'rm -f "$secrets"' EXIT
chmod 600 "$secrets"
POSTGRES_ADMIN_PASSWORD="$POSTGRES_ADMIN_PASSWORD" python3 - "$secrets" <<'PY'
import json, os, sys
parameters = {"postgresAdminPassword": {"value": os.environ["POSTGRES_ADMIN_PASSWORD"]}}
json.dump({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
           "contentVersion": "1.0.0.0", "parameters": parameters}, open(sys.argv[1], "w"))
PY

args=(--resource-group "$group" --template-file "$here/main.bicep"
  --parameters "@$here/env/$env_name.parameters.json" --parameters "@$secrets")
if [ -n "$image" ]; then args+=(--parameters "image=$image"); fi
if [ -n "${OPERATOR_PRINCIPAL_ID:-}" ]; then args+=(--parameters "operatorPrincipalId=$OPERATOR_PRINCIPAL_ID"); fi

if [ "$mode" = --what-if ]; then
  az deployment group what-if "${args[@]}"
else
  az deployment group create --name "artisan-$env_name-$(date -u +%Y%m%d%H%M%S)" "${args[@]}" \
    --query properties.outputs --output json
fi
