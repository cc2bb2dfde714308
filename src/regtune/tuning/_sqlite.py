"""A study on an SQLite file shared by local workers: WAL mode, one writer at a time, lock-free reads."""

import functools
import sqlite3
import threading
import time
from pathlib import Path

from ._optuna_internals import wrap_read_only_methods
from ._stale import RDBStorageFailingSilentTrials

__all__ = ["SQLiteStorage", "prepare_sqlite", "serialize_sqlite_writes"]


def prepare_sqlite(url):
    """Create the file's folder and switch the database to WAL mode (stored in the file).

    WAL lets readers run while one process writes; with the 60 s busy timeout set on each
    connection, several local workers share one file without "database is locked" errors.
    """
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    if not database or database == ":memory:":
        return
    Path(database).parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(database, timeout=60)
    try:
        # Changing the journal mode needs the file to itself and does not wait on the busy
        # timeout: processes opening one new file together retry until one of them switched it.
        for attempt in range(100):
            try:
                if connection.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                    connection.execute("PRAGMA journal_mode=WAL")
                break
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or attempt == 99:
                    raise
                time.sleep(0.05)
    finally:
        connection.close()


# Set while this thread runs one of Optuna's read-only storage methods (see SQLiteStorage).
_reading = threading.local()


def _read_only(method):
    @functools.wraps(method)
    def read(self, *args, **kwargs):
        outer = getattr(_reading, "active", False)
        _reading.active = True
        try:
            return method(self, *args, **kwargs)
        finally:
            _reading.active = outer

    return read


class SQLiteStorage(RDBStorageFailingSilentTrials):
    """Optuna's ``RDBStorage`` on an SQLite file, its read-only methods marked as such.

    Every transaction on the file takes the write lock first (``BEGIN IMMEDIATE``, see
    :func:`serialize_sqlite_writes`), except those of the read-only methods: in WAL mode they read
    a snapshot without any lock. Workers read the study far more often than they write it (the
    sampler, the pruner, claiming a slot), so they no longer queue behind each other for reads.
    """


wrap_read_only_methods(SQLiteStorage, _read_only)


def serialize_sqlite_writes(engine):
    """Make every SQLite transaction but reads ``BEGIN IMMEDIATE`` (SQLAlchemy's pysqlite recipe).

    By default the driver opens a transaction only at the first write, so a read-then-write (as
    when a worker switches a WAITING trial to RUNNING) is not atomic: two workers can both read
    WAITING and both claim the trial. With ``BEGIN IMMEDIATE`` a transaction takes the write lock
    first; the others wait (up to the 60 s busy timeout) instead of racing. The transactions of
    :class:`SQLiteStorage`'s read-only methods start with a plain ``BEGIN``: in WAL mode they read
    a consistent snapshot and neither wait for nor hold up a writer. In WAL mode ``NORMAL`` syncs
    at checkpoints only: a killed process loses no committed trial, and each of the many small
    commits is cheaper.
    """
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _connect(connection, _record):
        connection.isolation_level = None  # the driver stops opening transactions by itself
        connection.execute("PRAGMA synchronous=NORMAL")

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN" if getattr(_reading, "active", False) else "BEGIN IMMEDIATE")

    engine.dispose()  # connections opened while Optuna created the tables follow the new rules
