"""One trial: lockstep folds against a naive per-fold loop, pruning, failures, records."""

import numpy as np
import optuna
import pytest
from optuna.trial import TrialState
from sklearn.base import clone
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold

from regtune.exceptions import DivergenceError, RegtuneError
from regtune.tuning import SearchSpace, build_pipeline, tune
from regtune.tuning._config import StudyConfig, trial_seed
from regtune.tuning._metrics import resolve_metric
from regtune.tuning._objective import _Fold, cv_splits, run_cv_trial

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

FIXED = {
    "numeric_embedding": "none",
    "n_members": 1,  # the search's choice; the naive loop's pipeline default would be 3 members
    "n_layers": 1,
    "width": 8,
    "max_epochs": 3,
    "batch_size": 32,
    "learning_rate_init": 0.01,
    "dropout": 0.1,
    "alpha_per_row": 1e-5,
    "l1_per_row": 1e-5,
    "decay_per_step": 0.0,
    "batch_norm": False,
    "smooth": 10.0,
    "beta_1": 0.9,
    "beta_2": 0.999,
    "max_onehot": 64,  # fixed as the naive loop's pipeline default: the study's sampler is not seeded
}


def _config(X, cv=3, seed=5, space=FIXED, trial_timeout=None):
    return StudyConfig(
        task="binary",
        metric=resolve_metric(None, "binary"),
        target="label",
        categorical=["city"],
        numeric=[c for c in X.columns if c != "city"],
        cv=cv,
        seed=seed,
        pruner="none",
        space=SearchSpace.from_dict(space),
        data_path=None,
        n_trials=1,
        deadline=None,
        trial_timeout=trial_timeout,
        heartbeat_interval=1,
        n_rows=len(X),
    )


def _one_trial(X, y, config, pruner=None):
    study = optuna.create_study(pruner=pruner or optuna.pruners.NopPruner())
    folds = cv_splits(y, task=config.task, cv=config.cv, seed=config.seed)
    study.optimize(lambda t: run_cv_trial(t, config, X, y, folds), n_trials=1)
    return study.trials[0]


def test_lockstep_curves_equal_a_naive_per_fold_loop(small_binary):
    X, y = small_binary
    config = _config(X)
    trial = _one_trial(X, y, config)
    seed = trial_seed(config.seed, trial.number)
    assert trial.user_attrs["seed"] == seed
    splits = StratifiedKFold(n_splits=3, shuffle=True, random_state=config.seed).split(X, y)
    for fold, (train, valid) in enumerate(splits):
        for epochs in (1, 3):
            # Naive reference: a fresh pipeline fitted for `epochs` epochs on the fold alone (all of
            # it: a trial's folds hold no rows out for early stopping).
            pipe = build_pipeline(
                {**FIXED, "max_epochs": epochs, "early_stopping": False},
                task="binary",
                categorical=["city"],
                numeric=["a", "b", "noise"],
                seed=seed,
                n_rows=len(train),
            )
            pipe.fit(X.iloc[train], y.iloc[train])
            expected = log_loss(y.iloc[valid], pipe.predict_proba(X.iloc[valid]), labels=pipe.classes_)
            got = trial.user_attrs["valid_curve"][fold][epochs - 1]
            assert got == pytest.approx(expected, rel=1e-10, abs=1e-12)
        # The training curve is measured on the documented subset of the training fold, as the
        # network saw it: with the encoder's out-of-fold (cross-fitted) training encodings.
        rows = np.sort(np.random.default_rng(seed).choice(len(train), len(valid), replace=False))
        encoded = clone(pipe.named_steps["preprocess"]).fit_transform(X.iloc[train], y.iloc[train])
        expected = log_loss(
            y.iloc[train].iloc[rows],
            pipe.named_steps["mlp"].predict_proba(encoded[rows]),
            labels=pipe.classes_,
        )
        assert trial.user_attrs["train_curve"][fold][-1] == pytest.approx(expected, rel=1e-10)
    # What the pruner saw: the mean over folds, epoch by epoch.
    valid_curve = np.array(trial.user_attrs["valid_curve"])
    mean = valid_curve.mean(axis=0)
    np.testing.assert_allclose([trial.intermediate_values[e] for e in (1, 2, 3)], mean, rtol=1e-12)
    best = int(np.argmin(mean))
    assert trial.value == pytest.approx(mean[best], rel=1e-12)
    assert trial.user_attrs["best_epoch"] == best + 1
    assert trial.user_attrs["n_epochs"] == 3
    np.testing.assert_allclose(trial.user_attrs["fold_scores"], valid_curve[:, best], rtol=1e-12)
    assert trial.user_attrs["score_std"] == pytest.approx(np.std(valid_curve[:, best]))
    assert 0.0 <= trial.user_attrs["sparsity"] <= 1.0
    assert trial.user_attrs["fit_time"] > 0


def test_target_encoder_is_fitted_on_the_fold_training_rows_only(small_binary):
    X, y = small_binary
    config = _config(X)
    (train, valid), *_ = cv_splits(y, task="binary", cv=3, seed=config.seed)
    fold = _Fold(FIXED, config, X, y, train, valid, seed=1)
    fold.close()
    # Encoding a validation row uses statistics of the training rows: change the validation
    # targets and the encoded validation features must not move.
    y_flipped = y.copy()
    y_flipped.iloc[valid] = 1 - y_flipped.iloc[valid]
    flipped = _Fold(FIXED, config, X, y_flipped, train, valid, seed=1)
    flipped.close()
    np.testing.assert_array_equal(fold.X_valid, flipped.X_valid)
    np.testing.assert_array_equal(fold.X_train, flipped.X_train)


class _PruneAtTwo(optuna.pruners.BasePruner):
    def prune(self, study, trial):
        return trial.last_step is not None and trial.last_step >= 2


def test_a_pruned_trial_stops_all_its_folds(small_binary):
    X, y = small_binary
    trial = _one_trial(X, y, _config(X, space={**FIXED, "max_epochs": 10}), _PruneAtTwo())
    assert trial.state == TrialState.PRUNED
    assert trial.user_attrs["pruned_at"] == 2
    assert [len(curve) for curve in trial.user_attrs["valid_curve"]] == [2, 2, 2]
    assert trial.user_attrs["n_epochs"] == 2


def test_failed_trials_are_recorded_and_never_stop_the_study(small_binary, monkeypatch, tiny_space):
    X, y = small_binary
    original = _Fold.step
    calls = {"n": 0}

    def diverge_once(self, metric):
        calls["n"] += 1
        if calls["n"] == 1:
            raise DivergenceError("loss is nan at epoch 1")
        return original(self, metric)

    monkeypatch.setattr(_Fold, "step", diverge_once)
    result = tune(
        X,
        y,
        n_trials=4,
        cv=2,
        storage="sqlite:///:memory:",
        space=tiny_space,
        pruner="none",
        progress=False,
        refit=False,
    )
    states = [t.state for t in result.study.trials]
    assert states == [TrialState.FAIL] + [TrialState.COMPLETE] * 3
    first = result.study.trials[0]
    assert first.user_attrs["fail_reason"] == "DivergenceError: loss is nan at epoch 1"
    assert "fail_reason" not in result.study.trials[1].user_attrs
    assert list(result.trials["state"]) == ["FAIL", "COMPLETE", "COMPLETE", "COMPLETE"]


def test_trial_timeout_fails_trials_with_the_reason(small_binary, tiny_space):
    X, y = small_binary
    with pytest.raises(RegtuneError, match=r"no trial .* completed .*trial_timeout=1e-09"):
        tune(
            X,
            y,
            n_trials=2,
            cv=2,
            storage="sqlite:///:memory:",
            space=tiny_space,
            trial_timeout=1e-9,
            progress=False,
        )


def test_trial_seeds_depend_on_study_seed_and_number_only():
    assert trial_seed(0, 3) == trial_seed(0, 3)
    seeds = {trial_seed(s, n) for s in range(5) for n in range(50)}
    assert len(seeds) == 250


def test_tpe_startup_is_shared_among_hyperband_brackets():
    from regtune.tuning._sampling import hyperband_brackets, make_sampler, startup_trials

    # floor(log_3(max_epochs)) + 1 brackets, as Optuna's HyperbandPruner counts them.
    assert [hyperband_brackets(m) for m in (1, 2, 3, 8, 9, 26, 27, 50, 81)] == [1, 1, 2, 2, 3, 3, 4, 4, 5]
    assert startup_trials("hyperband", 50) == 3 and startup_trials("hyperband", 3) == 5
    assert startup_trials("median", 50) == startup_trials("none", 50) == 10
    sampler = make_sampler(0, 4)
    assert (
        sampler._n_startup_trials,
        sampler._multivariate,
        sampler._group,
        sampler._constant_liar,
        sampler._n_ei_candidates,
    ) == (4, True, True, True, 24)
