"""Many workers on one PostgreSQL study: exact budget, dead workers, interrupted runs.

The server is real (see ``conftest.postgres_url``); workers are real processes.
"""

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter

import optuna
import pytest
from optuna.trial import TrialState

from regtune.tuning import list_studies, open_storage, tune, worker

# Workers beat every second against a 3 s grace period: another test's load could make a live
# trial look stale.
pytestmark = [pytest.mark.postgres, pytest.mark.serial]

COUNTED = (TrialState.COMPLETE, TrialState.PRUNED)


def _load(url, name):
    return optuna.load_study(study_name=name, storage=open_storage(url))


def _write_csv(small_binary, tmp_path):
    X, y = small_binary
    path = tmp_path / "data.csv"
    X.assign(label=y).to_csv(path, index=False)
    return path


def _tune_in_subprocess(
    tmp_path, csv_path, url, name, n_trials, space, heartbeat_interval=1, hold_for_another_worker=False
):
    """Start ``tune`` in another Python process (so that it can be killed).

    ``hold_for_another_worker``: the process's first trial waits after its first epoch until the
    study holds a trial of another process: it waits on that event, read from the study, whatever
    the machine's load (after 300 s it goes on, and the test's assertions tell).
    """
    hold = ""
    if hold_for_another_worker:
        hold = textwrap.dedent("""
        import os, time
        import optuna
        report, held = optuna.trial.Trial.report, []
        def another_worker_seen(study):
            workers = [t.user_attrs.get("worker", "") for t in study.get_trials(deepcopy=False)]
            return any(w and not w.endswith(f":{os.getpid()}") for w in workers)
        def report_then_hold(self, value, step):
            report(self, value, step)
            end = time.monotonic() + 300
            while not held and not another_worker_seen(self.study) and time.monotonic() < end:
                time.sleep(0.1)
            held.append(True)
        optuna.trial.Trial.report = report_then_hold
        """)
    script = tmp_path / f"run_{name}.py"
    script.write_text(
        hold
        + textwrap.dedent(f"""
        import pandas as pd
        from regtune.tuning import tune
        frame = pd.read_csv({str(csv_path)!r})
        tune(frame.drop(columns=["label"]), frame["label"], n_trials={n_trials}, cv=2,
             storage={url!r}, study_name={name!r}, space={space!r}, pruner="none",
             data_path={str(csv_path)!r}, heartbeat_interval={heartbeat_interval}, progress=False,
             refit=False)
    """)
    )
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    return subprocess.Popen([sys.executable, str(script)], env=env)


def _wait_for(predicate, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _running_trial_with_epochs(url, name):
    try:
        trials = _load(url, name).get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    except KeyError:  # the study does not exist yet
        return None
    started = [t for t in trials if t.intermediate_values]
    return started[0] if started else None


def test_three_workers_finish_exactly_the_budget(postgres_url, small_binary, tmp_path, tiny_space):
    X, y = small_binary
    csv_path = _write_csv(small_binary, tmp_path)
    result = tune(
        X,
        y,
        n_trials=30,
        n_workers=3,
        cv=2,
        storage=postgres_url,
        study_name="budget30",
        space=tiny_space,
        data_path=csv_path,
        progress=False,
        refit=False,
        heartbeat_interval=1,
    )
    trials = _load(postgres_url, "budget30").get_trials(deepcopy=False)
    states = Counter(t.state for t in trials)
    # Exactly 30 trials exist and all 30 finished: none lost, none duplicated, none left waiting.
    assert len(trials) == 30
    assert states[TrialState.COMPLETE] + states[TrialState.PRUNED] == 30
    assert sorted(t.number for t in trials) == list(range(30))
    workers = Counter(t.user_attrs["worker"] for t in trials)
    assert len(workers) >= 2, workers  # the work was shared
    assert all(t.user_attrs["worker"].split(":")[1] != str(os.getpid()) for t in trials)
    assert result.best_score == min(t.value for t in trials if t.state == TrialState.COMPLETE)
    summary = {s["name"]: s for s in list_studies(postgres_url)}["budget30"]
    assert summary["n_complete"] + summary["n_pruned"] == 30
    assert summary["n_running"] == 0 and summary["metric"] == "log_loss"


def test_killed_run_is_requeued_and_resumed_to_its_budget(postgres_url, small_binary, tmp_path, tiny_space):
    csv_path = _write_csv(small_binary, tmp_path)
    slow_space = {**tiny_space, "max_epochs": 60, "batch_size": 16}
    process = _tune_in_subprocess(tmp_path, csv_path, postgres_url, "killed", 3, slow_space)
    try:
        _wait_for(lambda: _running_trial_with_epochs(postgres_url, "killed"), 90, "a running trial")
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    study = _load(postgres_url, "killed")
    # The trial that was running when the process died (trials take ~1 s, the switch ~1 ms).
    (victim,) = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    finished_before = {t.number for t in study.get_trials(deepcopy=False, states=COUNTED)}

    X, y = small_binary
    tune(
        X,
        y,
        n_trials=3,
        cv=2,
        storage=postgres_url,
        study_name="killed",
        space=slow_space,
        pruner="none",
        data_path=csv_path,
        heartbeat_interval=1,
        progress=False,
        refit=False,
    )

    trials = _load(postgres_url, "killed").get_trials(deepcopy=False)
    by_number = {t.number: t for t in trials}
    # The killed trial is failed (by the heartbeat check), not counted, and retried once.
    assert by_number[victim.number].state == TrialState.FAIL
    assert "fail_reason" not in by_number[victim.number].user_attrs
    retries = [t for t in trials if t.system_attrs.get("failed_trial") == victim.number]
    assert len(retries) == 1
    assert retries[0].state in COUNTED
    assert retries[0].params == by_number[victim.number].params
    # Nothing finished before the kill was lost, and the study reached exactly its budget.
    assert finished_before <= {t.number for t in trials if t.state in COUNTED}
    assert sum(t.state in COUNTED for t in trials) == 3
    assert not [t for t in trials if t.state in (TrialState.RUNNING, TrialState.WAITING)]


def test_remote_worker_joins_and_shares_the_budget(postgres_url, small_binary, tmp_path, tiny_space):
    csv_path = _write_csv(small_binary, tmp_path)
    # tune holds its first trial until this worker has taken one, so work is left for it on any load;
    # heartbeats every 10 s: no trial counts as stale because a busy machine delayed a beat.
    process = _tune_in_subprocess(
        tmp_path,
        csv_path,
        postgres_url,
        "joined",
        8,
        tiny_space,
        heartbeat_interval=10,
        hold_for_another_worker=True,
    )

    def started():
        assert process.poll() is None, "tune finished before the worker could join"
        return _running_trial_with_epochs(postgres_url, "joined")

    try:
        _wait_for(started, 90, "the study to start")
        ran_here = worker(postgres_url, "joined", progress=False)
        assert process.wait(timeout=120) == 0
    finally:
        if process.poll() is None:
            process.kill()
    trials = _load(postgres_url, "joined").get_trials(deepcopy=False)
    assert len(trials) == 8
    assert sum(t.state in COUNTED for t in trials) == 8
    here = [t for t in trials if t.user_attrs["worker"].endswith(f":{os.getpid()}")]
    assert ran_here == len(here) >= 1
