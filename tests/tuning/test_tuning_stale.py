"""A worker that dies between claiming a slot and its first heartbeat does not stall the study."""

import time
import warnings

import optuna
import pytest
from optuna.trial import TrialState

from regtune.tuning import open_storage
from regtune.tuning._slots import enqueue_slot, slot_number

pytestmark = pytest.mark.serial  # heartbeats every second against a 3 s grace period


def _fail_stale(study):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)


def test_a_running_trial_that_never_beat_is_failed_and_requeued_after_the_grace_period(tmp_path):
    storage = open_storage(f"sqlite:///{tmp_path / 's.db'}", heartbeat_interval=1)  # grace: 3 s
    study = optuna.create_study(storage=storage, study_name="s")
    for number in (0, 1):
        enqueue_slot(study, number)
    waiting = study.get_trials(deepcopy=False, states=(TrialState.WAITING,))
    claimed = waiting[0]
    # Claimed (RUNNING), then the worker is gone before recording any heartbeat.
    assert study._storage.set_trial_state_values(claimed._trial_id, state=TrialState.RUNNING)
    _fail_stale(study)
    assert study._storage.get_trial(claimed._trial_id).state == TrialState.RUNNING  # still young
    time.sleep(3.5)
    _fail_stale(study)
    trials = study.get_trials(deepcopy=False)
    assert study._storage.get_trial(claimed._trial_id).state == TrialState.FAIL
    # Requeued with its slot number: the budget still holds.
    requeued = [t for t in trials if t.state == TrialState.WAITING and t.number != waiting[1].number]
    assert [slot_number(t) for t in requeued] == [slot_number(claimed)]
    assert study._storage.get_trial(waiting[1]._trial_id).state == TrialState.WAITING


def test_a_running_trial_with_a_fresh_heartbeat_stays_running(tmp_path):
    storage = open_storage(f"sqlite:///{tmp_path / 's.db'}", heartbeat_interval=1)
    study = optuna.create_study(storage=storage, study_name="s")
    enqueue_slot(study, 0)
    (slot,) = study.get_trials(deepcopy=False, states=(TrialState.WAITING,))
    study._storage.set_trial_state_values(slot._trial_id, state=TrialState.RUNNING)
    time.sleep(3.5)
    study._storage.record_heartbeat(slot._trial_id)
    _fail_stale(study)
    assert study._storage.get_trial(slot._trial_id).state == TrialState.RUNNING
