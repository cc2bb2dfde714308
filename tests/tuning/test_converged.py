"""A timed search ends early once it has converged (``tuning._converged``)."""

import datetime

import numpy as np
import optuna
import pytest
from optuna.trial import TrialState

from regtune.cli._tuning import print_summary
from regtune.report._verdict_section import converged_sentence
from regtune.tuning import _converged, tune
from regtune.tuning._budget import CONVERGED_ATTR, Budget, update_deadline
from regtune.tuning._converged import (
    PATIENCE_FLOOR_SHARE,
    PATIENCE_TRIALS,
    check_converged,
    converged_record,
    search_progress,
    significant_gain,
)
from regtune.tuning._default_trial import DEFAULT_TRIAL

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

START = 1_800_000_000.0  # the job's start (unix time)
CV = 3


# --- one standard error of the paired fold differences, by hand -----------------------------------


def test_a_gain_counts_when_its_mean_exceeds_one_standard_error_of_the_paired_differences():
    anchor = [1.00, 1.00, 1.00]
    # gains 0.02, 0.01, 0.03: mean 0.02, std 0.01, standard error 0.01 / sqrt(3) = 0.00577
    assert significant_gain(anchor, [0.98, 0.99, 0.97])
    # gains 0.01, -0.01, 0.02: mean 0.00667, std 0.01528, standard error 0.00882 > the mean
    assert not significant_gain(anchor, [0.99, 1.01, 0.98])
    # a trial that is worse on every fold is no gain, however consistent
    assert not significant_gain(anchor, [1.01, 1.01, 1.01])
    # the same gain on every fold (no spread) is a gain
    assert significant_gain(anchor, [0.99, 0.99, 0.99])
    # maximized scores: higher is better
    assert significant_gain([0.80, 0.80, 0.80], [0.82, 0.81, 0.83], sign=-1.0)
    assert not significant_gain([0.80, 0.80, 0.80], [0.78, 0.79, 0.77], sign=-1.0)
    # scores of another fold count cannot be paired
    assert not significant_gain(anchor, [0.5, 0.5])


# --- the rule on recorded trials ---------------------------------------------------------------------


def _trial(number, end, folds=None, *, state=TrialState.COMPLETE, reason=None, default=False):
    """A finished trial that ended ``end`` seconds into the job (None: still running)."""
    attrs = {}
    if folds is not None:
        attrs["fold_scores"] = list(folds)
    if reason is not None:
        attrs["pruned_reason"] = reason
    value = float(np.mean(folds)) if folds is not None and state == TrialState.COMPLETE else None
    return optuna.trial.FrozenTrial(
        number=number,
        state=state,
        value=value,
        datetime_start=datetime.datetime.fromtimestamp(START),
        datetime_complete=None if end is None else datetime.datetime.fromtimestamp(START + end),
        params={},
        distributions={},
        user_attrs=attrs,
        system_attrs={DEFAULT_TRIAL: []} if default else {},
        intermediate_values={},
        trial_id=number,
    )


def _study(trials, *, timeout=100.0, stop=True, direction="minimize", refit=False):
    study = optuna.create_study(direction=direction)
    budget = Budget(
        timeout=timeout,
        job_end=START + timeout,
        deadline=START + timeout - 2.0,
        final_model="refit" if refit else "ensemble",
        stop_when_converged=stop,
    )
    for key, value in budget.to_attrs().items():
        study.set_user_attr(key, value)
    for trial in trials:
        study.add_trial(trial)
    return study


def _search(pruned_from=1, n_pruned=PATIENCE_TRIALS, anchor_end=10.0, step=1.0):
    """The default trial ends at ``anchor_end`` s, then ``n_pruned`` trials pruned by the pruner."""
    trials = [_trial(0, anchor_end, [1.0, 1.1, 0.9], default=True)]
    for i in range(n_pruned):
        end = anchor_end + step * (i + 1)
        trials.append(_trial(pruned_from + i, end, [1.2, 1.3, 1.1], state=TrialState.PRUNED, reason="pruner"))
    return trials


def test_the_search_converges_after_patience_trials_and_time_without_a_gain():
    study = _study(_search())  # the anchor at 10 s; trials end at 11-18 s
    # the patience is max(10 s, a fifth of 100 s) = 20 s after the anchor: not at 29 s
    assert check_converged(study, CV, now=START + 29.0) is None
    assert study.user_attrs["deadline"] == START + 98.0
    record = check_converged(study, CV, now=START + 30.0)
    assert record["anchor_trial"] == 0 and record["anchor_first"] is True
    assert record["at"] == 30.0 and record["anchor_at"] == 10.0 and record["patience"] == 20.0
    assert record["trials_since"] == PATIENCE_TRIALS
    # the deadline moved to now: every worker stops there; the record is the study's
    assert study.user_attrs["deadline"] == START + 30.0
    assert converged_record(study.user_attrs) == record == study.user_attrs[CONVERGED_ATTR]
    # a later check returns the same record and moves nothing
    assert check_converged(study, CV, now=START + 50.0) == record
    assert study.user_attrs["deadline"] == START + 30.0


def test_fewer_trials_than_the_patience_do_not_end_it():
    study = _study(_search(n_pruned=PATIENCE_TRIALS - 1))
    assert check_converged(study, CV, now=START + 90.0) is None
    assert CONVERGED_ATTR not in study.user_attrs


def test_the_patience_grows_with_the_time_the_last_gain_took():
    # the anchor at 40 s: the patience is 40 s (above the floor of 20 s)
    study = _study(_search(anchor_end=40.0))
    assert check_converged(study, CV, now=START + 79.0) is None
    assert check_converged(study, CV, now=START + 80.0)["patience"] == 40.0
    assert PATIENCE_FLOOR_SHARE * 100.0 == 20.0


def test_a_gain_beyond_noise_restarts_the_patience_and_a_tie_does_not():
    trials = _search()
    # at 12 s a trial better on every fold: the anchor moves (its patience: 20 s from 12 s)
    trials[2] = _trial(2, 12.0, [0.9, 1.0, 0.8])
    # at 14 s a trial better by less than noise: no progress (but it is the best by mean)
    trials[4] = _trial(4, 14.0, [0.85, 1.02, 0.79])
    study = _study(trials)
    anchor, anchor_at, n_since, _ = search_progress(study.trials, started=START, cv=CV)
    assert (anchor.number, anchor_at, n_since) == (2, 12.0, 6)
    study = _study([*trials, *(_search(pruned_from=20, n_pruned=2, anchor_end=18.0)[1:])])
    assert check_converged(study, CV, now=START + 31.0) is None
    record = check_converged(study, CV, now=START + 32.0)
    assert record["anchor_trial"] == 2 and record["anchor_first"] is False


def test_small_gains_that_add_up_count_as_progress():
    anchor, first, second = [1.0, 1.0, 1.0], [0.98, 1.01, 1.0], [0.99, 0.985, 0.985]
    # first against the anchor: gains 0.02, -0.01, 0: mean 0.0033, standard error 0.0088
    assert not significant_gain(anchor, first)
    # second against first: gains -0.01, 0.025, 0.015: mean 0.01, standard error 0.0104
    assert not significant_gain(first, second)
    # second against the anchor: gains 0.01, 0.015, 0.015: mean 0.0133, standard error 0.0017
    assert significant_gain(anchor, second)
    trials = [_trial(i, 10.0 + i, f, default=i == 0) for i, f in enumerate((anchor, first, second))]
    found, found_at, _, gains = search_progress(trials, started=START, cv=CV)
    assert found.number == 2 and found_at == 12.0 and gains == 1


def test_deadline_stopped_trials_count_and_pruned_ones_only_as_trials():
    stopped = _trial(1, 12.0, [0.5, 0.6, 0.4], state=TrialState.PRUNED, reason="deadline")
    pruned = _trial(2, 13.0, [0.5, 0.6, 0.4], state=TrialState.PRUNED, reason="pruner")
    anchor, _, n_since, _ = search_progress(
        [_trial(0, 10.0, [1.0, 1.1, 0.9], default=True), stopped, pruned], started=START, cv=CV
    )
    assert anchor.number == 1 and n_since == 1


def test_it_waits_for_the_default_trial():
    trials = _search()
    trials[0] = _trial(0, None, None, state=TrialState.RUNNING, default=True)
    trials.append(_trial(30, 9.0, [1.0, 1.1, 0.9]))  # another trial completed before all of them
    study = _study(trials)
    assert check_converged(study, CV, now=START + 90.0) is None


def test_switched_off_or_without_a_budget_it_does_nothing():
    assert check_converged(_study(_search(), stop=False), CV, now=START + 90.0) is None
    study = optuna.create_study()
    for trial in _search():
        study.add_trial(trial)
    assert check_converged(study, CV, now=START + 90.0) is None  # no timeout recorded


def test_past_the_deadline_the_budget_ends_it_anyway():
    study = _study(_search())
    assert check_converged(study, CV, now=START + 99.0) is None
    assert CONVERGED_ATTR not in study.user_attrs


def test_trials_of_an_earlier_job_count_from_the_start_of_this_one():
    # a resumed study: its trials ended before this job's start (negative times)
    trials = _search(anchor_end=-50.0)
    study = _study(trials)
    anchor, anchor_at, n_since, _ = search_progress(study.trials, started=START, cv=CV)
    assert anchor.number == 0 and anchor_at == 0.0 and n_since == 0
    # with 8 trials of this job and the floor passed, the earlier anchor ends it
    study = _study([*trials, *_search(pruned_from=20, anchor_end=0.0)[1:]])
    assert check_converged(study, CV, now=START + 19.0) is None
    record = check_converged(study, CV, now=START + 20.0)
    assert record["anchor_trial"] == 0 and record["anchor_earlier"] is True and record["anchor_at"] == 0.0
    assert converged_sentence(record).startswith(
        "The search ended early, at 20 s of its 100 s budget, because it had converged: no trial of "
        "this run beat trial 0, the last gain of an earlier run of the study, beyond the folds' noise"
    )
    # a record of another job is not this one's
    study.set_user_attr(CONVERGED_ATTR, {"job_end": START - 1.0, "at": 5.0})
    assert converged_record(study.user_attrs) is None


def test_maximized_metrics():
    trials = [_trial(0, 10.0, [0.8, 0.81, 0.79], default=True), _trial(1, 11.0, [0.9, 0.92, 0.89])]
    anchor, _, _, _ = search_progress(trials, started=START, cv=CV, sign=-1.0)
    assert anchor.number == 1
    anchor, _, _, _ = search_progress(trials, started=START, cv=CV, sign=1.0)
    assert anchor.number == 0


def test_a_deadline_moved_past_the_convergence_by_another_worker_is_put_back():
    study = _study(_search())
    check_converged(study, CV, now=START + 30.0)
    # a worker that read the attributes before the record was written moves the deadline later
    study.set_user_attr("deadline", START + 98.0)
    assert check_converged(study, CV, now=START + 31.0)["at"] == 30.0
    assert study.user_attrs["deadline"] == START + 30.0


def test_a_refit_does_not_move_the_deadline_past_where_the_search_converged():
    trials = _search()
    study = _study(trials, refit=True)
    check_converged(study, CV, now=START + 30.0)
    best = study.best_trial
    update_deadline(study, best, CV)
    assert study.user_attrs["deadline"] == START + 30.0


# --- end to end ------------------------------------------------------------------------------------


def test_a_timed_tune_that_finds_no_gain_ends_early_with_its_best_model(
    small_binary, monkeypatch, tmp_path, capsys
):
    """With every gain taken for noise (patched), the search ends once 8 trials and the patience
    passed after the first trial: no trial starts after that moment, and the model is saved."""
    monkeypatch.setattr(_converged, "significant_gain", lambda *args, **kwargs: False)
    X, y = small_binary
    space = {"max_epochs": 4, "width": 8, "n_layers": 1}
    result = tune(
        X, y, cv=2, timeout=40, storage="sqlite:///:memory:", space=space, progress=False,
        save_to=tmp_path / "model.regtune",
    )  # fmt: skip
    study = result.study
    record = study.user_attrs[CONVERGED_ATTR]
    started = study.user_attrs["job_end"] - study.user_attrs["timeout"]
    assert record["anchor_first"] is True and record["trials_since"] >= PATIENCE_TRIALS
    assert record["at"] >= record["anchor_at"] + max(record["anchor_at"], PATIENCE_FLOOR_SHARE * 40)
    assert study.user_attrs["deadline"] - started == pytest.approx(record["at"], abs=0.01)
    # no trial started after the search converged
    for trial in study.get_trials(deepcopy=False):
        if trial.datetime_start is not None:
            assert trial.datetime_start.timestamp() <= started + record["at"]
    assert (tmp_path / "model.regtune").is_file()
    assert result.best_trial.state == TrialState.COMPLETE
    # the report says so, and does not ask for more time
    sentence = converged_sentence(converged_record(study.user_attrs))
    assert sentence.startswith(f"The search ended early, at {record['at']:.0f} s of its 40 s budget")
    assert f"no trial beat trial {record['anchor_trial']}, the first to complete" in sentence
    # so does regtune tune's summary
    print_summary(result, {"model": "m", "report": "r", "params": "p"})
    said = capsys.readouterr().out
    assert f"Search: converged, ended {record['at']:.0f} s into tuning (no gain beyond the folds'" in said


def test_stop_when_converged_must_be_a_bool(small_binary):
    X, y = small_binary
    with pytest.raises(ValueError, match="stop_when_converged must be True or False, got 'no'"):
        tune(X, y, timeout=10, stop_when_converged="no", storage="sqlite:///:memory:", progress=False)


def test_the_sentence_of_a_search_whose_last_gain_came_later():
    record = {
        "job_end": 0.0,
        "at": 121.4,
        "timeout": 300.0,
        "anchor_trial": 12,
        "anchor_at": 47.2,
        "anchor_first": False,
        "trials_since": 9,
        "patience": 60.0,
    }
    assert converged_sentence(record) == (
        "The search ended early, at 121 s of its 300 s budget, because it had converged: its last gain "
        "came with trial 12 (47 s in), and no trial beat it beyond the folds' noise (one standard error "
        "of the paired fold differences) in the 74 s and 9 trials that followed. regtune tune "
        "--full-budget (stop_when_converged=False) searches until the deadline."
    )
    assert converged_sentence(None) is None
