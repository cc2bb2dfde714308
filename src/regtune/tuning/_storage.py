"""Opening Optuna storage: SQLite in WAL mode by default, any RDB URL, heartbeats, requeueing."""

import contextlib
import datetime
import functools
import logging
import sqlite3
import threading
import time
import warnings
from pathlib import Path

import optuna
from optuna.trial import TrialState

from ._defaults import DEFAULT_STORAGE
from ._run import give_back_slot

__all__ = [
    "DEFAULT_STORAGE",
    "list_studies",
    "mask_password",
    "open_storage",
    "quiet_storage_retries",
    "storage_error_reason",
]

# A trial of a dead worker is retried this many times; after that its slot is given back empty.
MAX_RETRY = 3


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
    logger = logging.getLogger("optuna.storages._rdb.storage")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _prepare_sqlite(url):
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


def _requeue(study, trial):
    """Failed-trial callback for trials whose worker stopped sending heartbeats.

    The trial is retried with the same parameters (``RetryHeartbeatStaleTrialCallback``) up to
    ``MAX_RETRY`` times; after that an empty slot is queued instead, so the budget still holds.
    """
    history = trial.system_attrs.get("retry_history", [])
    if len(history) < MAX_RETRY:  # the copy keeps the system attributes, slot number included
        optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=MAX_RETRY)(study, trial)
    else:
        give_back_slot(study, trial)


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
        _prepare_sqlite(url)
        engine_kwargs = {"connect_args": {"timeout": 60}}
    else:
        engine_kwargs = {"pool_pre_ping": True}
    heartbeat = {}
    if heartbeat_interval is not None:
        heartbeat = {
            "heartbeat_interval": int(heartbeat_interval),
            "grace_period": 3 * int(heartbeat_interval),
            "heartbeat_stale_trial_callback": _requeue,
        }
    sqlite_file = url.startswith("sqlite") and ":memory:" not in url
    storage = _create_rdb_storage(
        url, engine_kwargs, heartbeat, _SQLiteStorage if sqlite_file else _RDBStorage
    )
    if sqlite_file:
        _serialize_sqlite_writes(storage.engine)
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


# Set while this thread runs one of Optuna's read-only storage methods (see _SQLiteStorage).
_reading = threading.local()

# RDBStorage methods that only read, each in one transaction of its own (the others that read,
# get_all_trials and get_best_trial, do so through these).
_READ_METHODS = (
    "get_study_id_from_name",
    "get_study_name_from_id",
    "get_study_directions",
    "get_study_user_attrs",
    "get_study_system_attrs",
    "get_trial_user_attrs",
    "get_trial_system_attrs",
    "get_all_studies",
    "get_trial_param",
    "get_trial_id_from_study_id_trial_number",
    "get_trial",
    "_get_trials",
    "_get_best_trial_id",
    "_get_stale_trial_ids",
)


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


class _RDBStorage(optuna.storages.RDBStorage):
    """Optuna's ``RDBStorage``, where a RUNNING trial that never beat counts as stale too.

    Optuna fails a RUNNING trial whose last heartbeat is older than the grace period, but skips
    one with no heartbeat at all; a worker that died between claiming a slot and its first beat
    (a storage outage, a kill at that moment) would leave the slot RUNNING forever, and the
    study would never reach its budget. Such a trial is stale once it started longer than the
    grace period ago (by this machine's clock, as Optuna dates ``datetime_start``).
    """

    def _get_stale_trial_ids(self, study_id):
        from optuna.storages._rdb import models
        from optuna.storages._rdb.storage import _create_scoped_session

        stale = super()._get_stale_trial_ids(study_id)
        grace = self.grace_period if self.grace_period is not None else 2 * self.heartbeat_interval
        now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)  # stored as UTC
        oldest = now - datetime.timedelta(seconds=grace)
        with _create_scoped_session(self.scoped_session) as session:
            silent = (
                session.query(models.TrialModel.trial_id)
                .outerjoin(models.TrialHeartbeatModel)
                .filter(models.TrialModel.study_id == study_id)
                .filter(models.TrialModel.state == TrialState.RUNNING)
                .filter(models.TrialHeartbeatModel.trial_heartbeat_id.is_(None))
                .filter(models.TrialModel._datetime_start_utc < oldest)
                .all()
            )
        return stale + [trial_id for (trial_id,) in silent if trial_id not in stale]


class _SQLiteStorage(_RDBStorage):
    """Optuna's ``RDBStorage`` on an SQLite file, its read-only methods marked as such.

    Every transaction on the file takes the write lock first (``BEGIN IMMEDIATE``, see
    :func:`_serialize_sqlite_writes`), except those of the read-only methods: in WAL mode they read
    a snapshot without any lock. Workers read the study far more often than they write it (the
    sampler, the pruner, claiming a slot), so they no longer queue behind each other for reads.
    """


for _name in _READ_METHODS:
    setattr(_SQLiteStorage, _name, _read_only(getattr(_RDBStorage, _name)))


def _serialize_sqlite_writes(engine):
    """Make every SQLite transaction but reads ``BEGIN IMMEDIATE`` (SQLAlchemy's pysqlite recipe).

    By default the driver opens a transaction only at the first write, so a read-then-write (as
    when a worker switches a WAITING trial to RUNNING) is not atomic: two workers can both read
    WAITING and both claim the trial. With ``BEGIN IMMEDIATE`` a transaction takes the write lock
    first; the others wait (up to the 60 s busy timeout) instead of racing. The transactions of
    :class:`_SQLiteStorage`'s read-only methods start with a plain ``BEGIN``: in WAL mode they read
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


def counted(trial):
    """Whether a trial uses up one unit of the study's budget.

    Counted: COMPLETE, PRUNED, and FAIL with a recorded ``fail_reason`` (the objective raised, the
    loss diverged, the trial ran out of time). Not counted: trials failed because their worker
    died or was interrupted; those are requeued.
    """
    if trial.state in (TrialState.COMPLETE, TrialState.PRUNED):
        return True
    return trial.state == TrialState.FAIL and "fail_reason" in trial.user_attrs


def list_studies(storage=None):
    """Summaries of the studies in ``storage``.

    Returns
    -------
    list of dict
        Keys ``name``, ``n_complete``, ``n_pruned``, ``n_failed``, ``n_running``, ``best_value``,
        ``direction``, ``metric``, ``task``.
    """
    storage = open_storage(storage)
    rows = []
    for summary in storage.get_all_studies():
        trials = storage.get_all_trials(summary._study_id, deepcopy=False)
        states = [t.state for t in trials]
        complete = [t for t in trials if t.state == TrialState.COMPLETE]
        direction = summary.user_attrs.get("direction", summary.direction.name.lower())
        best = None
        if complete:
            pick = min if direction == "minimize" else max
            best = pick(t.value for t in complete)
        rows.append(
            {
                "name": summary.study_name,
                "n_complete": states.count(TrialState.COMPLETE),
                "n_pruned": states.count(TrialState.PRUNED),
                "n_failed": states.count(TrialState.FAIL),
                "n_running": states.count(TrialState.RUNNING),
                "best_value": best,
                "direction": direction,
                "metric": summary.user_attrs.get("metric"),
                "task": summary.user_attrs.get("task"),
            }
        )
    return rows
