"""Opening a study's storage from its URL, and saying in one line why a storage call failed.

SQLite files get :mod:`._sqlite`'s locking, every RDB storage :mod:`._stale`'s stale-trial policy.
"""

import contextlib
import logging
import time
import warnings

import optuna

from ._optuna_internals import rdb_storage_logger
from ._sqlite import SQLiteStorage, prepare_sqlite, serialize_sqlite_writes
from ._stale import RDBStorageFailingSilentTrials, requeue

__all__ = [
    "DEFAULT_STORAGE",
    "mask_password",
    "open_storage",
    "quiet_storage_retries",
    "storage_error_reason",
]

from ._defaults import DEFAULT_STORAGE


def mask_password(url):
    """``url`` with its password replaced by ``***`` (anything that is not a URL is returned as is).

    Examples
    --------
    >>> from regtune.tuning import mask_password
    >>> mask_password("postgresql://ana:secret@db.example.org:5432/studies")
    'postgresql://ana:***@db.example.org:5432/studies'
    """
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL: nothing to hide
        return url


def _check_url(url):
    if not isinstance(url, str) or "://" not in url:
        raise ValueError(
            "storage must be a database URL such as 'sqlite:///regtune.db' or "
            f"'postgresql://user:password@host/db', got {mask_password(str(url))!r}"
        )


def _with_driver(url):
    """A ``postgresql://`` URL with the psycopg2 driver named when psycopg 3 is not installed.

    SQLAlchemy 2.1 picks psycopg 3 for a bare ``postgresql://``; regtune's optional dependency is
    psycopg2-binary.
    """
    scheme, rest = url.split("://", 1)
    if scheme not in ("postgresql", "postgres"):
        return url
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return f"postgresql+psycopg2://{rest}"
    return f"postgresql://{rest}"


def storage_error_reason(error):
    """One line saying why a storage call failed: the database's own message.

    Optuna wraps every database error of a write in ``StorageInternalError`` with the same text
    ("invalid data in the commit, e.g. exceeding max length"), whatever the cause; the cause (a
    lost connection, a full disk) is the error it was raised from.

    Parameters
    ----------
    error : Exception
        What a storage call raised: Optuna's ``StorageInternalError``, a SQLAlchemy error (its
        driver's error is used) or any other exception.

    Returns
    -------
    str
        The first non-empty line of the underlying message, or the error's type name when the
        message is empty.

    Examples
    --------
    >>> from regtune.tuning import storage_error_reason
    >>> storage_error_reason(OSError("disk I/O error"))
    'disk I/O error'
    """
    from optuna.exceptions import StorageInternalError

    if isinstance(error, StorageInternalError) and error.__cause__ is not None:
        error = error.__cause__
    error = getattr(error, "orig", None) or error  # SQLAlchemy's wrapper: the driver's error
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


@contextlib.contextmanager
def quiet_storage_retries():
    """Silence the warning Optuna's RDB storage logs before retrying a failed read of trials.

    It assumes too many ``IN`` variables and logs the whole SQL statement over many lines; a
    regtune study has a handful of unfinished trials, so the cause is a lost connection, and the
    retry's own error (reported in one line) says so.
    """
    logger = rdb_storage_logger()
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def open_storage(url=None, *, heartbeat_interval=None):
    """An ``optuna.storages.RDBStorage`` for ``url`` (None: ``sqlite:///regtune.db``).

    Parameters
    ----------
    url : str, optional
        Any SQLAlchemy URL Optuna supports (SQLite, PostgreSQL, MySQL).
    heartbeat_interval : int, optional
        Seconds between a running trial's heartbeats. A trial whose heartbeat is older than three
        intervals is marked failed and requeued with the same parameters. None: no heartbeats.
    """
    url = DEFAULT_STORAGE if url is None else url
    _check_url(url)
    url = _with_driver(url)
    if url.startswith("sqlite"):
        prepare_sqlite(url)
        engine_kwargs = {"connect_args": {"timeout": 60}}
    else:
        engine_kwargs = {"pool_pre_ping": True}
    heartbeat = {}
    if heartbeat_interval is not None:
        heartbeat = {
            "heartbeat_interval": int(heartbeat_interval),
            "grace_period": 3 * int(heartbeat_interval),
            "heartbeat_stale_trial_callback": requeue,
        }
    sqlite_file = url.startswith("sqlite") and ":memory:" not in url
    storage = _create_rdb_storage(
        url, engine_kwargs, heartbeat, SQLiteStorage if sqlite_file else RDBStorageFailingSilentTrials
    )
    if sqlite_file:
        serialize_sqlite_writes(storage.engine)
    return storage


def _create_rdb_storage(url, engine_kwargs, heartbeat, storage_class, attempts=8):
    """``RDBStorage(url)``, tolerant of another process creating the same new database at once.

    Optuna creates its tables with ``CREATE TABLE`` after checking that they do not exist; two
    processes opening one new database together (two ``regtune tune`` runs, two benchmark jobs)
    can both pass the check, and the slower one fails with "table ... already exists" (or a
    duplicate schema-version row, or SQLite's "database is locked" when both upgrade their read
    to a write). The tables then exist, so opening again succeeds.
    """
    from sqlalchemy.exc import DBAPIError

    for attempt in range(attempts):
        try:
            with warnings.catch_warnings():  # heartbeats are "experimental" in Optuna 5
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                return storage_class(url, engine_kwargs=engine_kwargs, **heartbeat)
        except DBAPIError as error:
            message = str(error.orig).lower()
            racing = any(
                text in message
                for text in ("already exists", "duplicate key", "unique constraint", "is locked")
            )
            if not racing or attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")
