"""Locks on the SQLite file: reads never wait for a writer, a trial's attributes are one write."""

import sqlite3
import threading
import time

import optuna
import pytest
from sqlalchemy import event

from regtune.tuning import open_storage
from regtune.tuning._optuna_internals import set_user_attrs


@pytest.fixture
def study_file(tmp_path):
    """(path, study) with one RUNNING trial, on a fresh SQLite file."""
    path = tmp_path / "locks.db"
    storage = open_storage(f"sqlite:///{path}")
    study = optuna.create_study(storage=storage, study_name="locks")
    study.set_user_attr("n_trials", 5)
    return path, study


class _WriteLock:
    """Another process's writer: holds the file's write lock until released."""

    def __init__(self, path):
        self.connection = sqlite3.connect(path, timeout=0, isolation_level=None)
        self.connection.execute("BEGIN IMMEDIATE")

    def release(self):
        self.connection.execute("ROLLBACK")
        self.connection.close()


def test_reads_go_on_while_another_process_holds_the_write_lock(study_file):
    path, study = study_file
    study.ask()
    with_heartbeats = open_storage(f"sqlite:///{path}", heartbeat_interval=60)
    lock = _WriteLock(path)
    try:
        started = time.perf_counter()
        assert study.user_attrs == {"n_trials": 5}
        assert len(study.get_trials(deepcopy=False)) == 1
        assert [s.study_name for s in study._storage.get_all_studies()] == ["locks"]
        assert with_heartbeats._get_stale_trial_ids(study._study_id) == []
        assert time.perf_counter() - started < 5  # a write would wait for the 60 s busy timeout
    finally:
        lock.release()


def test_a_write_waits_for_the_lock_and_then_goes_through(study_file):
    path, study = study_file
    lock = _WriteLock(path)
    done = threading.Event()
    writer = threading.Thread(target=lambda: (study.set_user_attr("x", 1), done.set()))
    writer.start()
    try:
        assert not done.wait(0.5), "a write went through while another process held the lock"
    finally:
        lock.release()
    writer.join(timeout=30)
    assert done.is_set()
    assert optuna.load_study(study_name="locks", storage=f"sqlite:///{path}").user_attrs["x"] == 1


def test_a_trials_attributes_are_written_in_one_transaction(study_file):
    _path, study = study_file
    trial = study.ask()
    commits = []

    def count(connection):
        commits.append(connection)

    engine = study._storage._backend.engine
    event.listen(engine, "commit", count)
    try:
        attrs = {"seed": 7, "worker": "host:1", "curve": [[0.5, 0.25]], "fit_time": 1.5}
        set_user_attrs(trial, attrs)
    finally:
        event.remove(engine, "commit", count)
    assert len(commits) == 1
    assert trial.user_attrs == attrs
    assert study._storage.get_trial(trial._trial_id).user_attrs == attrs


def test_attributes_on_a_storage_without_transactions():
    study = optuna.create_study()  # Optuna's in-memory storage
    trial = study.ask()
    set_user_attrs(trial, {"a": 1, "b": [2.0]})
    assert study.trials[0].user_attrs == {"a": 1, "b": [2.0]}


def test_attributes_of_a_finished_trial_are_refused(study_file):
    _path, study = study_file
    trial = study.ask()
    study.tell(trial, 1.0)
    with pytest.raises(RuntimeError, match="finished"):
        set_user_attrs(trial, {"late": True})
