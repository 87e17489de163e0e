#!/bin/sh
# The container's entry point: the first argument names the process (App Service passes the
# app's startup command here; infra/Procfile lists the same ones).
#   web          gunicorn; with RUN_MIGRATIONS=1 (the staging slot only) `manage.py release` first
#   worker       Celery worker
#   beat         Celery beat (exactly one in the whole site)
#   worker-beat  worker with beat embedded (the single-instance worker app on App Service)
#   release      migrations under a database lock, then exit
#   manage ...   any manage.py command (checks, one-off jobs)
#   healthcheck  the image's HEALTHCHECK
set -eu

kind="${1:-web}"
if [ "$#" -gt 0 ]; then shift; fi
# The beat schedule file and the process kind go where the unprivileged user may write.
state_dir="${TMPDIR:-/tmp}"

case "$kind" in
  web)
    echo web > "$state_dir/process-kind"
    if [ "${RUN_MIGRATIONS:-0}" = "1" ]; then
      python manage.py release
    fi
    exec gunicorn -c infra/gunicorn.conf.py marketplace.wsgi:application "$@"
    ;;
  worker)
    echo worker > "$state_dir/process-kind"
    exec celery -A marketplace worker -l "${CELERY_LOG_LEVEL:-INFO}" --concurrency "${CELERY_CONCURRENCY:-2}" "$@"
    ;;
  beat)
    echo beat > "$state_dir/process-kind"
    exec celery -A marketplace beat -l "${CELERY_LOG_LEVEL:-INFO}" --schedule "$state_dir/celerybeat-schedule" "$@"
    ;;
  worker-beat)
    echo worker > "$state_dir/process-kind"
    exec celery -A marketplace worker --beat --schedule "$state_dir/celerybeat-schedule" \
      -l "${CELERY_LOG_LEVEL:-INFO}" --concurrency "${CELERY_CONCURRENCY:-2}" "$@"
    ;;
  release)
    exec python manage.py release "$@"
    ;;
  manage)
    exec python manage.py "$@"
    ;;
  healthcheck)
    if [ "$(cat "$state_dir/process-kind" 2>/dev/null || echo web)" != web ]; then exit 0; fi
    # Django answers only the hosts in ALLOWED_HOSTS: ask as the site (App Service sets
    # WEBSITE_HOSTNAME to the app's or slot's own host name), not as 127.0.0.1.
    host="${WEBSITE_HOSTNAME:-${ALLOWED_HOSTS%%,*}}"
    exec python - "${host:-localhost}" <<'PY'
import os, sys, urllib.request
url = "http://127.0.0.1:%s/api/health" % os.environ.get("PORT", "8000")
urllib.request.urlopen(urllib.request.Request(url, headers={"Host": sys.argv[1]}), timeout=4)
PY
    ;;
  *)
    echo "entrypoint: unknown process '$kind' (web, worker, beat, worker-beat, release, manage, healthcheck)" >&2
    exit 64
    ;;
esac
