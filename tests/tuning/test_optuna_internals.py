"""The door to Optuna's private API (``regtune.tuning._optuna_internals``) against the installed Optuna.

Each test fails loudly when an Optuna release renames, removes or changes an internal that regtune
relies on: the names exist with the signatures regtune calls, and each wrapper does its job on a real
SQLite study. These tests, and only these, read Optuna's private modules directly.
"""

import datetime
import functools
import inspect
import re
import threading
import warnings

import optuna
import pytest
from optuna.storages import _cached_storage
from optuna.storages._rdb import models
from optuna.storages._rdb import storage as rdb_module
from optuna.trial import FrozenTrial, TrialState
from sqlalchemy import event, text

from regtune.tuning._optuna_internals import (
    READ_ONLY_METHODS,
    RDBStorageWithStaleRule,
    fixed_params_of,
    queued_trial_attrs,
    rdb_storage_logger,
    running_trials_without_heartbeat,
    set_study_user_attrs,
    set_user_attrs,
    storage_entry_points,
    storage_of,
    study_id,
    trial_id,
    wrap_read_only_methods,
)

pytestmark = pytest.mark.filterwarnings("ignore:Heartbeat of storage is supposed:UserWarning")


def _parameters(function):
    return list(inspect.signature(function).parameters)


def _fail_stale(study):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)


@pytest.fixture
def url(tmp_path):
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return f"sqlite:///{tmp_path / 'internals.db'}"


def test_the_private_names_exist_with_their_signatures():
    rdb = optuna.storages.RDBStorage
    assert _parameters(rdb._set_trial_attr_without_commit) == [
        "self",
        "session",
        "model_cls",
        "trial_id",
        "key",
        "value",
    ]
    assert _parameters(rdb_module._create_scoped_session) == ["scoped_session", "ignore_integrity_error"]
    assert _parameters(rdb._get_stale_trial_ids) == ["self", "study_id"]
    assert _parameters(rdb._get_trials) == [
        "self",
        "study_id",
        "states",
        "included_trial_ids",
        "trial_id_greater_than",
    ]
    assert _parameters(rdb._get_best_trial_id) == ["self", "study_id", "direction"]
    for model in ("TrialModel", "TrialHeartbeatModel", "TrialUserAttributeModel", "StudyModel"):
        assert hasattr(models, model), model
    assert _parameters(models.StudyModel.find_or_raise_by_id)[:2] == ["study_id", "session"]
    assert _parameters(models.StudyUserAttributeModel.find_by_study_and_key) == ["study", "key", "session"]
    assert hasattr(models.TrialModel, "_datetime_start_utc")
    assert hasattr(models.TrialHeartbeatModel, "trial_heartbeat_id")
    # Each read-only method is RDBStorage's own (one transaction each), not a generic default.
    missing = [name for name in READ_ONLY_METHODS if name not in vars(rdb)]
    assert missing == []


def test_the_storage_entry_points_are_every_call_of_optunas_cache():
    # A study reaches the database through _CachedStorage, which calls its backend's methods,
    # some of them private; each one it calls must be an entry point held safe from Ctrl-C.
    called = set(re.findall(r"_backend\.(\w+)\(", inspect.getsource(_cached_storage)))
    entry_points = set(storage_entry_points())
    assert {"_get_trials", "set_trial_state_values", "set_trial_intermediate_value"} <= called
    assert called - entry_points == set()
    rdb = optuna.storages.RDBStorage
    assert all(callable(getattr(rdb, name)) for name in entry_points)


def test_handles_of_a_study_and_its_trials(url):
    storage = optuna.storages.RDBStorage(url)
    optuna.create_study(storage=storage, study_name="other")
    study = optuna.create_study(storage=storage, study_name="handles")
    first, second = study.ask(), study.ask()
    frozen = study.tell(second, 1.0)
    seen = storage_of(study)
    assert isinstance(seen, optuna.storages.BaseStorage)
    assert getattr(seen, "_backend", seen) is storage  # Optuna's cache in front of the RDBStorage
    assert study_id(study) == storage.get_study_id_from_name("handles")
    assert study_id(study) != storage.get_study_id_from_name("other")
    assert {s.study_name: study_id(s) for s in storage.get_all_studies()}["handles"] == study_id(study)
    assert trial_id(frozen) == trial_id(second) != trial_id(first)
    assert storage.get_trial(trial_id(first)).number == first.number == 0
    assert storage.get_trial(trial_id(second)).state == TrialState.COMPLETE
    assert isinstance(storage_of(optuna.create_study()), optuna.storages.InMemoryStorage)


def test_user_attrs_take_the_one_transaction_path(url, monkeypatch):
    study = optuna.create_study(storage=optuna.storages.RDBStorage(url), study_name="attrs")
    trial = study.ask()
    assert isinstance(trial._cached_frozen_trial, FrozenTrial)

    def one_by_one(*_args):
        raise AssertionError("set_user_attrs fell back to one set_user_attr per attribute")

    monkeypatch.setattr(optuna.Trial, "set_user_attr", one_by_one)
    attrs = {"seed": 3, "curve": [[0.5, 0.25]]}
    set_user_attrs(trial, attrs)
    assert trial.user_attrs == attrs  # the trial's own copy is updated too
    assert storage_of(study).get_trial(trial_id(trial)).user_attrs == attrs


def test_running_trials_without_heartbeat(url):
    storage = optuna.storages.RDBStorage(url, heartbeat_interval=60)
    study = optuna.create_study(storage=storage, study_name="silent")
    elsewhere = optuna.create_study(storage=storage, study_name="elsewhere")
    silent, beating, done = study.ask(), study.ask(), study.ask()
    elsewhere.ask()
    storage.record_heartbeat(trial_id(beating))
    study.tell(done, 1.0)
    start = storage.get_trial(trial_id(silent)).datetime_start  # local time, naive
    start_utc = start.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    second = datetime.timedelta(seconds=1)
    assert running_trials_without_heartbeat(storage, study_id(study), start_utc + second) == [
        trial_id(silent)
    ]
    assert running_trials_without_heartbeat(storage, study_id(study), start_utc - second) == []


def test_a_stale_rule_is_applied_by_fail_stale_trials(url):
    class Marked(RDBStorageWithStaleRule):
        marked = ()

        def more_stale_trial_ids(self, study_id):
            return list(self.marked)

    storage = Marked(url, heartbeat_interval=60)
    study = optuna.create_study(storage=storage, study_name="rule")
    marked, old_beat, fresh_beat = study.ask(), study.ask(), study.ask()
    storage.record_heartbeat(trial_id(old_beat))
    storage.record_heartbeat(trial_id(fresh_beat))
    with storage.engine.begin() as connection:  # Optuna's own rule: a heartbeat older than grace
        connection.execute(
            text("UPDATE trial_heartbeats SET heartbeat = '2000-01-01 00:00:00' WHERE trial_id = :id"),
            {"id": trial_id(old_beat)},
        )
    storage.marked = (trial_id(marked), trial_id(old_beat))  # found by both rules: failed once
    assert sorted(storage._get_stale_trial_ids(study_id(study))) == sorted(storage.marked)
    _fail_stale(study)
    states = [t.state for t in study.get_trials(deepcopy=False)]
    assert states == [TrialState.FAIL, TrialState.FAIL, TrialState.RUNNING]


def test_every_read_opens_its_transactions_inside_a_read_method(url):
    inside = threading.local()

    def mark(method):
        @functools.wraps(method)
        def read(self, *args, **kwargs):
            outer = getattr(inside, "depth", 0)
            inside.depth = outer + 1
            try:
                return method(self, *args, **kwargs)
            finally:
                inside.depth = outer

        return read

    class Recorded(optuna.storages.RDBStorage):
        pass

    wrap_read_only_methods(Recorded, mark)
    storage = Recorded(url, heartbeat_interval=60)
    study = optuna.create_study(storage=storage, study_name="reads")
    study.set_user_attr("metric", "rmse")
    trial = study.ask()
    trial.suggest_float("x", 0.0, 1.0)
    trial.set_user_attr("seed", 1)
    study.tell(trial, 0.5)
    running = study.ask()
    sid, tid = study_id(study), trial_id(trial)
    reads = {
        "get_all_studies": lambda: storage.get_all_studies(),
        "get_study_id_from_name": lambda: storage.get_study_id_from_name("reads"),
        "get_study_name_from_id": lambda: storage.get_study_name_from_id(sid),
        "get_study_directions": lambda: storage.get_study_directions(sid),
        "get_study_user_attrs": lambda: storage.get_study_user_attrs(sid),
        "get_study_system_attrs": lambda: storage.get_study_system_attrs(sid),
        "get_all_trials": lambda: storage.get_all_trials(sid, deepcopy=False),
        "get_n_trials": lambda: storage.get_n_trials(sid),
        "get_best_trial": lambda: storage.get_best_trial(sid),
        "get_trial": lambda: storage.get_trial(tid),
        "get_trial_params": lambda: storage.get_trial_params(tid),
        "get_trial_param": lambda: storage.get_trial_param(tid, "x"),
        "get_trial_user_attrs": lambda: storage.get_trial_user_attrs(tid),
        "get_trial_system_attrs": lambda: storage.get_trial_system_attrs(tid),
        "get_trial_number_from_id": lambda: storage.get_trial_number_from_id(tid),
        "get_trial_id_from_study_id_trial_number": lambda: storage.get_trial_id_from_study_id_trial_number(
            sid, 0
        ),
        "_get_stale_trial_ids": lambda: storage._get_stale_trial_ids(sid),
        "study.trials": lambda: study.trials,
        "study.best_trial": lambda: study.best_trial,
        "study.user_attrs": lambda: study.user_attrs,
        "trial.params": lambda: storage_of(study).get_trial(trial_id(running)).params,
    }
    begins = []
    event.listen(storage.engine, "begin", lambda _connection: begins.append(getattr(inside, "depth", 0)))
    outside = {}
    for name, read in reads.items():
        begins.clear()
        read()
        if not begins or 0 in begins:
            outside[name] = begins[:]
    assert outside == {}, "transactions opened outside the read-only methods (depth 0) or none at all"


def test_the_rdb_storage_logger_is_optunas():
    assert rdb_storage_logger() is rdb_module._logger


def test_queued_trial_attrs_fix_the_suggested_values(url):
    # A WAITING trial with these system attributes (and others of its own) runs with the given
    # values; names it does not give are sampled.
    study = optuna.create_study(storage=url, sampler=optuna.samplers.RandomSampler(seed=0))
    attrs = {**queued_trial_attrs({"x": 0.25, "n": 3}), "mine": 7}
    study.add_trial(optuna.trial.create_trial(state=TrialState.WAITING, system_attrs=attrs))
    trial = study.ask()
    assert trial.suggest_float("x", 0.0, 1.0) == 0.25
    assert trial.suggest_int("n", 1, 5) == 3
    assert 0.0 <= trial.suggest_float("free", 0.0, 1.0) <= 1.0
    frozen = study.tell(trial, 1.0)
    assert fixed_params_of(frozen) == {"x": 0.25, "n": 3} and frozen.system_attrs["mine"] == 7
    assert frozen.params["x"] == 0.25 and frozen.params["n"] == 3
    assert fixed_params_of(study.trials[0]) == {"x": 0.25, "n": 3}
    assert queued_trial_attrs() == {"fixed_params": {}}


def test_study_user_attrs_in_one_transaction(url):
    storage = optuna.storages.RDBStorage(url)
    study = optuna.create_study(storage=storage)
    study.set_user_attr("kept", 1)
    study.set_user_attr("changed", "old")
    commits = []
    event.listen(storage.engine, "commit", lambda _connection: commits.append(1))
    set_study_user_attrs(study, {"changed": "new", "added": {"a": [1, 2]}, "n": None})
    assert len(commits) == 1
    again = optuna.load_study(study_name=study.study_name, storage=url)
    assert again.user_attrs == {"kept": 1, "changed": "new", "added": {"a": [1, 2]}, "n": None}
    memory = optuna.create_study()  # not an RDB storage: one call per attribute
    set_study_user_attrs(memory, {"x": 1, "y": [2]})
    assert memory.user_attrs == {"x": 1, "y": [2]}
