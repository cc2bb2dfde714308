"""The live bar: trials against the trial budget, or the seconds up to the deadline without one."""

import io
import re
import time

import optuna
import pytest
from optuna.trial import TrialState

from regtune.tuning._progress import Progress


@pytest.fixture(autouse=True)
def narrow_terminal(monkeypatch):
    """An 80-column terminal (tqdm reads COLUMNS and LINES where the stream has none, and cuts the
    line to fit): the best score must still be on it."""
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("LINES", "24")


def _study(n_complete):
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study()
    for value in range(n_complete):
        study.add_trial(optuna.trial.create_trial(state=TrialState.COMPLETE, value=float(value + 1)))
    return study


def _last_frame(stream):
    return stream.getvalue().replace("\r", "\n").strip().splitlines()[-1]


def test_a_trial_budget_is_a_bar_of_trials():
    study, stream = _study(0), io.StringIO()
    bar = Progress(True, 10, "minimize", "rmse", stream=stream, study=study)
    for value in (3.0, 2.0):
        study.add_trial(optuna.trial.create_trial(state=TrialState.COMPLETE, value=value))
    bar.update(study)
    bar.close()
    frame = _last_frame(stream)
    assert " 2/10 " in frame and "best rmse=2" in frame, frame


def test_without_a_trial_limit_the_bar_counts_seconds_to_the_deadline_and_trials_beside():
    study, stream = _study(2), io.StringIO()
    bar = Progress(True, None, "minimize", "rmse", stream=stream, study=study, deadline=time.time() + 60)
    assert bar.bar.total == 60
    bar.start -= 30  # half the time gone
    study.add_trial(optuna.trial.create_trial(state=TrialState.COMPLETE, value=0.5))
    bar.update(study)
    frame = _last_frame(stream)
    # 30 s gone, or 31 where the machine paused this test half a second between the two lines
    assert re.search(r"3[01]/60 s, 3 trials \| best rmse=0.5 \| complete=3", frame), frame
    bar.start -= 100  # past the deadline: the bar stops at its end
    bar.tick()
    bar.close()
    assert "60/60 s" in _last_frame(stream)


def test_without_a_trial_limit_or_a_deadline_the_bar_counts_trials():
    study, stream = _study(1), io.StringIO()
    bar = Progress(True, None, "minimize", "rmse", stream=stream, study=study)
    study.add_trial(optuna.trial.create_trial(state=TrialState.COMPLETE, value=0.5))
    bar.update(study)
    bar.close()
    assert "2trial" in _last_frame(stream).replace(" ", "")
