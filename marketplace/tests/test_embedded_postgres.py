"""The embedded PostgreSQL stops when its last user exits, even after a user was killed."""

import json
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def test_a_killed_user_does_not_keep_the_cluster_running(tmp_path):
    data_dir = tmp_path / "pgdata"
    # A user that died without its exit hooks (as after SIGKILL) is left in pgserver's list.
    script = (
        "import os, sys; from pathlib import Path; from marketplace.embedded_postgres import database_url; "
        f"database_url(Path({str(data_dir)!r})); os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", script], cwd=BASE_DIR, check=True, timeout=120)
    stale = json.loads((data_dir / ".handle_pids.json").read_text())
    assert stale  # the killed process is still listed

    probe = (
        "from pathlib import Path; import psycopg; from marketplace.embedded_postgres import database_url; "
        f"url = database_url(Path({str(data_dir)!r})); print(url)"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=BASE_DIR, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    # The second user exited normally: with the dead one forgotten, the cluster stopped with it.
    assert not (data_dir / "postmaster.pid").exists()
