#!/usr/bin/env bash
# Smoke-test a deployed site: /api/health answers and says the database is up, the home page and
# a search page render.
#   infra/smoke.sh https://artisan-prod-web-staging.azurewebsites.net [--wait SECONDS] [--health-only]
# --wait retries /api/health until it answers (a slot that is migrating or starting), then fails.
set -euo pipefail

base="${1:?usage: $0 URL [--wait SECONDS] [--health-only]}"
base="${base%/}"
shift
wait_seconds=0
health_only=0
while [ "$#" -gt 0 ]; do
  case "$1" in
    --wait) wait_seconds="$2"; shift 2 ;;
    --health-only) health_only=1; shift ;;
    *) echo "unknown option $1" >&2; exit 64 ;;
  esac
done

body="$(mktemp)"
trap 'rm -f "$body"' EXIT
deadline=$(( $(date +%s) + wait_seconds ))
while true; do
  status="$(curl -sS -o "$body" -w '%{http_code}' --max-time 20 "$base/api/health" || echo 000)"
  if [ "$status" = 200 ]; then break; fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "smoke: $base/api/health answered $status" >&2
    cat "$body" >&2 || true
    exit 1
  fi
  sleep 10
done
python3 - "$body" <<'PY'
import json, sys
health = json.load(open(sys.argv[1]))
database = health["services"]["database"]["status"]
print(f"smoke: health {health['status']}, database {database}")
if health["status"] == "unhealthy" or database != "up":
    sys.exit("smoke: the database is not up")
PY
if [ "$health_only" = 1 ]; then exit 0; fi

for path in "/" "/search?q=mug" "/search?q=hand%20made%20bowl&sort=price_asc"; do
  status="$(curl -sS -o "$body" -w '%{http_code}' --max-time 20 "$base$path" || echo 000)"
  if [ "$status" != 200 ]; then
    echo "smoke: $base$path answered $status" >&2
    exit 1
  fi
  echo "smoke: $path 200 ($(wc -c < "$body") bytes)"
done
