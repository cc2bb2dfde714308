"""The line printed every ``interval`` seconds while trials run, driven by a fake clock (no timing).

Oracle: a study whose running trial has reported known epochs, and a clock the test advances.
"""

import io
import time
from types import SimpleNamespace

import optuna
import pytest
from optuna.trial import TrialState

from regtune.tuning import SearchSpace
from regtune.tuning._metrics import resolve_metric
from regtune.tuning._periodic_log import PeriodicLog


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def study():
    """Two finished trials (rmse 3.0 and 2.5, one pruned at 4.0) and one running at epoch 2 of 7."""
    study = optuna.create_study(storage="sqlite:///:memory:")
    for value, state in ((3.0, TrialState.COMPLETE), (2.5, TrialState.COMPLETE), (4.0, TrialState.PRUNED)):
        study.add_trial(
            optuna.trial.create_trial(state=state, value=value if state == TrialState.COMPLETE else None)
        )
    running = study.ask()
    running.report(5.25, 1)
    running.report(4.125, 2)
    return study


def _config(deadline=None, n_trials=10):
    space = SearchSpace.from_dict({"max_epochs": 7})
    return SimpleNamespace(
        metric=resolve_metric("rmse", "regression"), n_trials=n_trials, space=space, deadline=deadline
    )


def test_a_line_per_interval_not_per_call(study):
    clock, stream = Clock(), io.StringIO()
    log = PeriodicLog(study, _config(), progress="auto", interval=10, stream=stream, clock=clock)
    for now in (104.0, 109.9, 110.0, 115.0, 119.9, 121.0):
        clock.now = now
        log.tick()
    line = (
        "trial 3 running: epoch 2 of 7, validation rmse 4.125 | 3 of 10 trials done, best rmse=2.5 | "
        "no time limit"
    )
    assert stream.getvalue().splitlines() == [f"[regtune]    10.0s {line}", f"[regtune]    21.0s {line}"]


def test_a_study_without_a_trial_limit_counts_its_trials_done(study):
    stream = io.StringIO()
    config = _config(deadline=time.time() + 600, n_trials=None)
    PeriodicLog(study, config, progress="auto", interval=0, stream=stream, clock=Clock()).tick()
    assert "validation rmse 4.125 | 3 trials done, best rmse=2.5 | " in stream.getvalue()


def test_the_time_left_is_the_nearest_deadline(study):
    clock, stream = Clock(), io.StringIO()
    log = PeriodicLog(
        study,
        _config(deadline=time.time() + 3600),
        progress="auto",
        deadline=time.time() + 600.4,
        interval=0,
        stream=stream,
        clock=clock,
    )
    log.tick()
    left = int(stream.getvalue().rsplit("| ", 1)[1].split(" s left")[0])
    assert 595 <= left <= 600


def test_a_trial_before_its_first_epoch_is_preparing_its_folds():
    study = optuna.create_study(storage="sqlite:///:memory:")
    study.ask()
    stream = io.StringIO()
    PeriodicLog(study, _config(), progress="auto", interval=0, stream=stream, clock=Clock()).tick()
    assert "trial 0 running: preparing its folds | 0 of 10 trials done, best rmse=- |" in stream.getvalue()


@pytest.mark.parametrize(
    ("progress", "stream"), [(False, io.StringIO()), (True, io.StringIO()), ("auto", Terminal())]
)
def test_no_lines_without_progress_or_with_the_bar(study, progress, stream):
    """The live bar (a terminal, or progress=True) shows the time itself; progress=False shows nothing."""
    PeriodicLog(study, _config(), progress=progress, interval=0, stream=stream, clock=Clock()).tick()
    assert stream.getvalue() == ""
