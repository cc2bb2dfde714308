"""The final model's trial: the default unless a trial beats it clearly (a one-standard-error rule)."""

import math

import numpy as np
import optuna
import pandas as pd
import pytest
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState

import regtune
from regtune.tuning import _selection, tune
from regtune.tuning._best_model import BestModel, holds, read_record
from regtune.tuning._default_trial import DEFAULT_TRIAL
from regtune.tuning._final_model import final_trial
from regtune.tuning._refit import best_configuration
from regtune.tuning._selection import Candidate, candidates_of, choose, clearly_better

# --- the paired one-standard-error test -------------------------------------------------------------


def test_clearly_better_is_the_mean_paired_lead_against_one_standard_error():
    default = [1.0, 2.0, 3.0, 4.0]
    trial = [0.9, 1.95, 2.8, 4.05]  # leads by 0.1, 0.05, 0.2, -0.05
    d = np.array(default) - np.array(trial)
    se = d.std(ddof=1) / math.sqrt(4)  # 0.1041 / 2
    assert d.mean() == pytest.approx(0.075) and se == pytest.approx(0.05204, abs=1e-5)
    assert clearly_better(trial, default, maximize=False)  # 0.075 > 0.052
    assert not clearly_better(trial, default, maximize=False, n_se=1.5)  # 0.075 < 0.078
    # A maximized metric: higher is better, so the same numbers say the trial is worse.
    assert not clearly_better(trial, default, maximize=True)
    assert clearly_better(default, trial, maximize=True)
    # The same lead on every fold has no noise: any positive lead is clear, no lead is not.
    assert clearly_better([0.99, 1.99], [1.0, 2.0], maximize=False)
    assert not clearly_better([1.0, 2.0], [1.0, 2.0], maximize=False)
    # Folds that cannot be paired.
    assert clearly_better([1.0], [2.0], maximize=False) is None
    assert clearly_better([1.0, 2.0], [1.0, 2.0, 3.0], maximize=False) is None


def _c(number, score, folds, *, complete=True):
    """A candidate; trial 0 is the default."""
    return Candidate(number, score, complete, tuple(folds), number == 0)


def test_choose_keeps_the_default_against_a_lead_within_the_noise():
    default = _c(0, 1.00, (0.90, 1.10, 1.00))
    hair = _c(1, 0.99, (0.80, 1.20, 0.97))  # leads by 0.01 on average, noise 0.1
    worse = _c(2, 1.05, (0.95, 1.15, 1.05))
    assert choose([default, hair, worse], maximize=False) is default
    # A clear lead (every fold better by about the same) takes it: the best by score wins.
    clear = _c(3, 0.98, (0.88, 1.08, 0.98))
    assert choose([default, hair, clear], maximize=False) is clear
    # Once some trial beats the default clearly, the best score is final even when its own lead
    # is noisy: it is better than one that beat the default.
    noisy_best = _c(4, 0.97, (0.70, 1.30, 0.91))
    assert choose([default, hair, clear, noisy_best], maximize=False) is noisy_best
    # The default is the best: it is final.
    assert choose([default, worse], maximize=False) is default
    assert choose([], maximize=False) is None


def test_choose_orients_maximized_metrics_and_falls_back_to_the_score():
    default = _c(0, 0.80, (0.78, 0.82))
    hair = _c(1, 0.805, (0.76, 0.85))
    clear = _c(2, 0.83, (0.81, 0.85))
    assert choose([default, hair], maximize=True) is default
    assert choose([default, hair, clear], maximize=True) is clear
    # No default trial among the candidates, or one without fold scores: the best score.
    assert choose([hair, clear], maximize=True) is clear
    bare = Candidate(0, 0.80, True, (), True)
    assert choose([bare, hair], maximize=True) is hair
    # A better-scoring rival whose folds cannot be paired with the default's: the score decides.
    unpaired = _c(3, 0.81, (0.81,))
    assert choose([default, unpaired], maximize=True) is unpaired
    # A tie on score goes to a complete trial, then to the lower number.
    stopped = _c(4, 0.83, (0.81, 0.85), complete=False)
    assert choose([default, stopped, clear], maximize=True) is clear


# --- on a study --------------------------------------------------------------------------------------


def _add(study, number_score_folds, *, default=False, state=TrialState.COMPLETE, reason=None):
    score, folds = number_score_folds
    attrs = {"fold_scores": list(folds), "best_score": score}
    if reason:
        attrs["pruned_reason"] = reason
    study.add_trial(
        optuna.trial.create_trial(
            state=state,
            value=score if state == TrialState.COMPLETE else None,
            params={"x": 0.5},
            distributions={"x": FloatDistribution(0.0, 1.0)},
            user_attrs=attrs,
            system_attrs={DEFAULT_TRIAL: []} if default else {},
        )
    )


def test_final_trial_applies_the_rule_to_the_studys_finished_trials():
    study = optuna.create_study(direction="minimize")
    _add(study, (1.00, (0.90, 1.10, 1.00)), default=True)
    _add(study, (0.99, (0.80, 1.20, 0.97)))  # a hair better, within the noise
    _add(study, (0.50, (0.40, 0.60, 0.50)), state=TrialState.PRUNED, reason="pruner")  # not a model
    assert study.best_trial.number == 1
    assert final_trial(study).number == 0
    assert [c.number for c in candidates_of(study)] == [0, 1]
    # A trial stopped by the deadline is a candidate; its clear lead makes the best score final.
    _add(study, (0.95, (0.85, 1.05, 0.95)), state=TrialState.PRUNED, reason="deadline")
    assert final_trial(study).number == 3
    assert final_trial(study, complete_only=True).number == 0  # a refit needs a complete trial
    _add(study, (0.94, (0.84, 1.04, 0.94)))
    assert final_trial(study).number == 4 and final_trial(study, complete_only=True).number == 4


# --- the best model so far follows the rule ---------------------------------------------------------


class _Trial:
    def __init__(self, number):
        self.number = number


def test_the_model_file_follows_the_rules_choice(tmp_path):
    path = tmp_path / "m.regtune"
    model = regtune.MLPRegressor((2,), max_iter=1).fit(np.eye(3), [1.0, 2.0, 3.0])
    first = BestModel("uid", "minimize", path)
    other = BestModel("uid", "minimize", path, keep=False)  # a second process on the same file
    assert first.offer(_Trial(0), 1.0, True, lambda: model, chosen=True, default=True)
    # A better score the rule did not choose (a lead within the noise) replaces nothing.
    assert not other.offer(_Trial(1), 0.99, True, lambda: model, chosen=False)
    assert read_record(path)["trial"] == 0 and first.record["trial"] == 0
    # Chosen (it beat the default clearly): it replaces the default, in memory and in the file.
    assert first.offer(_Trial(2), 0.9, True, lambda: model, chosen=True)
    assert holds(path, "uid", 2) and first.record["trial"] == 2
    # Another process's view may lag: a chosen trial whose score is worse than a non-default kept
    # one does not replace it...
    assert not other.offer(_Trial(3), 0.95, True, lambda: model, chosen=True)
    assert holds(path, "uid", 2)
    # ... but the default, chosen because the kept trial's lead was noise, does.
    assert other.offer(_Trial(0), 1.0, True, lambda: model, chosen=True, default=True)
    assert holds(path, "uid", 0) and read_record(path)["default"] is True


# --- end to end ----------------------------------------------------------------------------------------


@pytest.fixture
def small_regression():
    rng = np.random.default_rng(5)
    X = pd.DataFrame(rng.normal(size=(120, 4)), columns=list("abcd"))
    y = pd.Series(X["a"] - 0.5 * X["b"] + 0.3 * rng.normal(size=120), name="y")
    return X, y


SPACE = {
    "width": {"low": 8, "high": 32},
    "n_layers": 1,
    "learning_rate_init": {"low": 1e-3, "high": 3e-2},
    "max_epochs": 6,
    "batch_size": 32,
    "dropout": 0.0,
    "alpha_per_row": 1e-5,
    "l1_per_row": 0.0,
    "decay_per_step": 0.0,
    "batch_norm": False,
    "smooth": 10.0,
}


@pytest.mark.parametrize("n_se, expect_default", [(1e9, True), (-1e9, False), (1.0, None)])
def test_tune_returns_and_saves_the_rules_choice(
    small_regression, tmp_path, monkeypatch, n_se, expect_default
):
    monkeypatch.setattr(_selection, "ONE_SE", n_se)
    X, y = small_regression
    result = tune(
        X,
        y,
        n_trials=5,
        cv=3,
        space=SPACE,
        pruner="none",
        seed=0,
        progress=False,
        storage=f"sqlite:///{tmp_path / 's.db'}",
        save_to=tmp_path / "m.regtune",
    )
    study = result.study
    ranked = sorted(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)), key=lambda t: t.value)
    assert len(ranked) == 5
    # The rule, computed here from the fold scores the trials recorded.
    default = study.get_trials(deepcopy=False)[0]
    leads = [
        np.asarray(default.user_attrs["fold_scores"]) - np.asarray(t.user_attrs["fold_scores"])
        for t in ranked
        if t.number != 0
    ]
    clear = any(d.mean() > n_se * d.std(ddof=1) / math.sqrt(len(d)) for d in leads)
    expected = ranked[0] if clear else default
    assert ranked[0].number != 0  # the default (learning rate 1e-3, 6 epochs) is not the best score
    if expect_default is not None:
        assert (expected.number == 0) is expect_default
    assert result.best_trial.number == expected.number
    assert result.best_score == pytest.approx(expected.value)
    # The final model is that trial's fold ensemble, and the model file holds it.
    uid = study.user_attrs["study_uid"]
    assert study.user_attrs["model_file"]["trial"] == expected.number
    assert study.user_attrs["model_file"]["study"] == uid
    loaded = regtune.load(tmp_path / "m.regtune")
    np.testing.assert_allclose(loaded.predict(X), result.best_pipeline.predict(X))
    assert len(result.best_pipeline.members_) == 3
    # `regtune fit --params best` refits the same trial.
    params, settings = best_configuration(study)
    assert settings["seed"] == expected.user_attrs["seed"]
    assert params["max_epochs"] == expected.user_attrs["best_epoch"]


def test_the_report_and_the_cli_say_when_the_default_is_kept(tmp_path):
    from regtune.cli._tuning import kept_default_text
    from regtune.report import build_report

    study = optuna.create_study(direction="minimize")
    _add(study, (1.00, (0.90, 1.10, 1.00)), default=True)
    _add(study, (0.99, (0.80, 1.20, 0.97)))  # a hair better, within the noise
    page = build_report(study)
    assert "trial 0, the default configuration (1): the best score, trial 1 (0.99), leads it by less" in page

    result = regtune.tuning.TuneResult({}, 1.0, 0.1, None, study, None, direction="minimize")
    result.best_trial = final_trial(study)
    assert kept_default_text(result).startswith(", the defaults: trial 1 scored 0.9900, within one standard")
    # Clearly beaten: the best score is final, and nothing more is said.
    _add(study, (0.9, (0.80, 1.00, 0.90)))
    result.best_trial = final_trial(study)
    assert result.best_trial.number == 2 and kept_default_text(result) == ""
    assert "trial 2, the best score" in build_report(study)
