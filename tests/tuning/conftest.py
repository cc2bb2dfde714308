"""Fixtures of the tuning tests: small data sets and a real PostgreSQL server.

The server is started once per session, and only when a test asks for ``postgres_url``: ``initdb``
into a fresh folder, ``pg_ctl start`` on a free port of 127.0.0.1 with trust authentication, and
``pg_ctl stop -m immediate`` at the end. PostgreSQL refuses to run as root, so under root the
commands run as an unprivileged system user ``regtune-pg`` (created when missing). If the binaries
are not on PATH, the Debian layout ``/usr/lib/postgresql/*/bin`` is searched (``apt-get install -y
postgresql`` provides it). If the server cannot start, the test fails with the reason: no skip.
"""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

PG_USER = "regtune-pg"

# A tiny network, few epochs and few sampled parameters (each suggestion reads the study) keep
# every trial well under a second.
TINY_SPACE = {
    "n_layers": 1,
    "width": {"low": 4, "high": 12},
    "max_epochs": 4,
    "batch_size": 32,
    "learning_rate_init": {"low": 1e-3, "high": 3e-2},
    "dropout": {"low": 0.0, "high": 0.3},
    "alpha": 1e-3,
    "l1": 0.0,
    "weight_decay": 0.0,
    "batch_norm": False,
    "smooth": 10.0,
}


def _pg_binary(name):
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if candidates:
        return candidates[-1]
    raise RuntimeError(
        f"PostgreSQL binary {name!r} not found on PATH or in /usr/lib/postgresql/*/bin; "
        "install it with `apt-get install -y postgresql`"
    )


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_pg_user(command):
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", PG_USER, "--", *command]


def _run(command):
    result = subprocess.run(_as_pg_user(command), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({result.returncode}): {result.stderr or result.stdout}"
        )
    return result


@pytest.fixture(scope="session")
def postgres_url():
    """URL of a throwaway PostgreSQL server (database ``postgres``, trust authentication)."""
    initdb, pg_ctl = _pg_binary("initdb"), _pg_binary("pg_ctl")
    user_missing = subprocess.run(["id", "-u", PG_USER], capture_output=True).returncode != 0
    if os.geteuid() == 0 and user_missing:
        subprocess.run(["useradd", "--system", "--no-create-home", PG_USER], check=True)
    folder = tempfile.mkdtemp(prefix="regtune-pg-")
    data, log = os.path.join(folder, "data"), os.path.join(folder, "server.log")
    if os.geteuid() == 0:
        shutil.chown(folder, user=PG_USER)
        os.chmod(folder, 0o700)
    port = _free_port()
    _run([initdb, "-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"])
    options = (f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
               "-c max_connections=100")
    try:
        _run([pg_ctl, "-D", data, "-l", log, "-o", options, "-w", "-t", "60", "start"])
    except RuntimeError as error:
        server_log = Path(log).read_text() if os.path.exists(log) else ""
        raise RuntimeError(f"{error}\nserver log:\n{server_log}") from None
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_pg_user([pg_ctl, "-D", data, "-m", "immediate", "stop"]),
                       capture_output=True, check=False)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def tiny_space():
    """Search-space overrides for fast trials: one small layer, 4 epochs."""
    return dict(TINY_SPACE)


@pytest.fixture(scope="session")
def penguins():
    import regtune

    return regtune.load_dataset("penguins", return_X_y=True)


@pytest.fixture(scope="session")
def small_binary():
    """240 rows: two informative numeric columns, one noise column, one 3-level category."""
    rng = np.random.default_rng(7)
    n = 240
    X = pd.DataFrame({
        "a": rng.normal(size=n),
        "b": rng.normal(size=n),
        "noise": rng.normal(size=n),
        "city": rng.choice(["north", "south", "east"], size=n),
    })
    logit = 2.0 * X["a"] - 1.5 * X["b"] + (X["city"] == "north") * 1.0
    y = pd.Series((logit + rng.logistic(size=n) > 0).astype(int), name="label")
    return X, y
