"""A throwaway PostgreSQL server for tests: start, stop (fast or immediate), start again, remove.

``initdb`` into a fresh folder, ``pg_ctl start`` on a free port of 127.0.0.1 with trust authentication
(any password in a URL is accepted and ignored). PostgreSQL refuses to run as root, so under root the
commands run as the unprivileged system user ``regtune-pg`` (created when missing). Binaries are taken
from PATH or the Debian layout ``/usr/lib/postgresql/*/bin``. Any failure raises ``RuntimeError`` with
the server log, so a test that needs the server fails with the reason (never skips).

Examples
--------
>>> server = PgServer().start()            # doctest: +SKIP
>>> server.url                             # doctest: +SKIP
'postgresql://postgres@127.0.0.1:54123/postgres'
>>> server.stop("fast"); server.start()    # same port, same data: a restart    # doctest: +SKIP
>>> server.remove()                        # doctest: +SKIP
"""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

__all__ = ["PG_USER", "PgServer"]

PG_USER = "regtune-pg"


def _binary(name):
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


class PgServer:
    """One PostgreSQL server in a temporary folder, on a fixed free port of 127.0.0.1.

    Parameters
    ----------
    max_connections : int, default=100
        The server's connection limit (each worker process holds a small pool).
    """

    def __init__(self, max_connections=100):
        self.max_connections = int(max_connections)
        self.initdb, self.pg_ctl = _binary("initdb"), _binary("pg_ctl")
        self.folder = None
        self.port = None

    @property
    def data(self):
        return os.path.join(self.folder, "data")

    @property
    def log(self):
        return os.path.join(self.folder, "server.log")

    @property
    def url(self):
        """URL of the ``postgres`` database as the ``postgres`` superuser (no password)."""
        return self.url_with(user="postgres")

    def url_with(self, *, user="postgres", password=None, database="postgres"):
        """A URL of this server; with trust authentication the password is accepted, not checked."""
        credentials = user if password is None else f"{user}:{password}"
        return f"postgresql://{credentials}@127.0.0.1:{self.port}/{database}"

    def _run(self, command, check=True):
        result = subprocess.run(_as_pg_user(command), capture_output=True, text=True, check=False)
        if check and result.returncode != 0:
            log = Path(self.log).read_text() if self.folder and os.path.exists(self.log) else ""
            raise RuntimeError(
                f"{' '.join(command)} failed ({result.returncode}): "
                f"{result.stderr or result.stdout}\nserver log:\n{log[-3000:]}"
            )
        return result

    def _initdb(self):
        missing = subprocess.run(["id", "-u", PG_USER], capture_output=True).returncode != 0
        if os.geteuid() == 0 and missing:
            added = subprocess.run(["useradd", "--system", "--no-create-home", PG_USER], capture_output=True)
            # another test process (pytest-xdist's) may have added it a moment ago, or held the lock
            exists = subprocess.run(["id", "-u", PG_USER], capture_output=True).returncode == 0
            if added.returncode != 0 and not exists:
                raise RuntimeError(f"useradd {PG_USER} failed: {added.stderr.decode().strip()}")
        self.folder = tempfile.mkdtemp(prefix="regtune-pg-")
        if os.geteuid() == 0:
            shutil.chown(self.folder, user=PG_USER)
            os.chmod(self.folder, 0o700)
        self.port = _free_port()
        self._run([self.initdb, "-D", self.data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"])

    def start(self):
        """Start the server (the first call creates the cluster); returns ``self``."""
        if self.folder is None:
            self._initdb()
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            f"-c max_connections={self.max_connections}"
        )
        self._run([self.pg_ctl, "-D", self.data, "-l", self.log, "-o", options, "-w", "-t", "60", "start"])
        return self

    def stop(self, mode="fast"):
        """Stop the server: ``fast`` (roll back, disconnect clients) or ``immediate`` (abort)."""
        if mode not in ("smart", "fast", "immediate"):
            raise ValueError(f"mode must be 'smart', 'fast' or 'immediate', got {mode!r}")
        self._run([self.pg_ctl, "-D", self.data, "-m", mode, "-w", "stop"])

    def restart(self, mode="fast"):
        """Stop, then start again on the same port and data folder."""
        self.stop(mode)
        return self.start()

    def running(self):
        """Whether ``pg_ctl status`` finds the server."""
        return self._run([self.pg_ctl, "-D", self.data, "status"], check=False).returncode == 0

    def remove(self):
        """Stop the server (immediate) if it runs and delete its folder."""
        if self.folder is None:
            return
        self._run([self.pg_ctl, "-D", self.data, "-m", "immediate", "stop"], check=False)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.remove()
