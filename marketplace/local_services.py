"""Start and stop the fakes that stand in for cloud services on a developer's machine.

Used by ``make run`` (``marketplace.devstack``) and by the test suite, so the
two start them the same way. Each listens on loopback only, on a free port.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


class ServiceError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def _wait_for_port(process: subprocess.Popen, port: int, name: str, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServiceError(f"{name} exited with code {process.returncode}; see {log}")
        if port_open("127.0.0.1", port):
            return
        time.sleep(0.1)
    stop_process(process)
    raise ServiceError(f"{name} did not open port {port} within {timeout:.0f} s; see {log}")


def stop_process(process: subprocess.Popen, timeout: float = 5) -> None:
    """SIGTERM the process group, then SIGKILL whatever is left after ``timeout``."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


class LocalStripe:
    """A ``localstripe`` server (fake Stripe API + fake Stripe.js) in a child process."""

    def __init__(self, log_dir: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log_dir / "localstripe.log"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 20) -> "LocalStripe":
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "localstripe", "--port", str(self.port), "--from-scratch"],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group, so stopping it stops everything it spawned
            )
        _wait_for_port(self.process, self.port, "localstripe", timeout, self.log)
        return self

    def register_webhook(self, *, name: str, url: str, secret: str, events: list[str] | None = None) -> None:
        fields = [("url", url), ("secret", secret)] + [("events[]", e) for e in events or []]
        request = urllib.request.Request(
            f"{self.url}/_config/webhooks/{name}", data=urllib.parse.urlencode(fields).encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            if response.status != 200:
                raise ServiceError(f"localstripe refused the webhook registration ({response.status})")

    def flush(self) -> None:
        request = urllib.request.Request(f"{self.url}/_config/data", method="DELETE")
        urllib.request.urlopen(request, timeout=5).close()

    def stop(self) -> None:
        if self.process:
            stop_process(self.process)


class Azurite:
    """Azurite's Blob service (Azure Storage emulator, from npm) in a child process."""

    ACCOUNT = "devstoreaccount1"
    # Azurite's published well-known development key (not a secret).
    KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

    def __init__(self, data_dir: Path):
        self.port = free_port()
        self.data_dir = data_dir
        self.log = data_dir / "azurite.log"
        self.process: subprocess.Popen | None = None

    @staticmethod
    def executable() -> str | None:
        local = BASE_DIR / "node_modules" / ".bin" / "azurite-blob"
        if local.exists():
            return str(local)
        return shutil.which("azurite-blob")

    @property
    def connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={self.ACCOUNT};AccountKey={self.KEY};"
            f"BlobEndpoint=http://127.0.0.1:{self.port}/{self.ACCOUNT};"
        )

    def start(self, timeout: float = 30) -> "Azurite":
        executable = self.executable()
        if not executable:
            raise ServiceError("Azurite is not installed: run `npm install` in the project folder.")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [
                    executable,
                    "--blobHost",
                    "127.0.0.1",
                    "--blobPort",
                    str(self.port),
                    "--location",
                    str(self.data_dir),
                    "--skipApiVersionCheck",
                    "--loose",
                    "--silent",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _wait_for_port(self.process, self.port, "Azurite", timeout, self.log)
        return self

    def stop(self) -> None:
        if self.process:
            stop_process(self.process)
