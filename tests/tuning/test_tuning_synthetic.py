"""Synthetic data where the right answer is known: regularization pays, leakage does not."""

import numpy as np
import pandas as pd
import pytest

from regtune.tuning import tune

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

MEMORY = "sqlite:///:memory:"
FIXED_NET = {
    "n_layers": 1,
    "batch_size": 32,
    "learning_rate_init": 0.01,
    "dropout": 0.0,
    "l1_per_row": 0.0,
    "decay_per_step": 0.0,
    "batch_norm": False,
}


def test_few_informative_among_many_noisy_features_prefers_regularization():
    # 120 rows, 40 features, the target depends on 2 of them: an unpenalized 32-unit network
    # overfits the 38 noise columns, an L2-penalized one does not (alpha = 0.0375 * 80 training
    # rows per fold = 3).
    rng = np.random.default_rng(0)
    n, p = 120, 40
    X = pd.DataFrame(rng.normal(size=(n, p)), columns=[f"f{j}" for j in range(p)])
    y = pd.Series(X["f0"] - X["f1"] + 0.5 * rng.normal(size=n), name="y")
    space = {**FIXED_NET, "width": 32, "max_epochs": 30, "alpha_per_row": {"choices": [0.0, 0.0375]}}
    result = tune(
        X,
        y,
        n_trials=6,
        cv=3,
        storage=MEMORY,
        space=space,
        pruner="none",
        seed=1,
        progress=False,
        refit=False,
    )
    scores = {
        alpha: [t.value for t in result.study.trials if t.params["alpha_per_row"] == alpha]
        for alpha in (0.0, 0.0375)
    }
    assert scores[0.0] and scores[0.0375], scores  # both were tried
    assert result.best_params["alpha_per_row"] == 0.0375
    # Every regularized trial beats every unregularized one (RMSE, noise level 0.5).
    assert max(scores[0.0375]) < min(scores[0.0]), scores


def test_noise_high_cardinality_category_does_not_raise_the_cv_score():
    rng = np.random.default_rng(0)
    n = 200
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    y = pd.Series((X["a"] - X["b"] + rng.logistic(size=n) > 0).astype(int), name="y")
    # 100 levels of 2 rows each, independent of y: pure noise with a high cardinality.
    ids = pd.Series(rng.permutation(np.repeat([f"id{k}" for k in range(n // 2)], 2)))
    space = {**FIXED_NET, "width": 16, "max_epochs": 10, "alpha_per_row": 1e-6, "smooth": 1.0}

    def cv_log_loss(frame):
        return tune(
            frame,
            y,
            n_trials=1,
            cv=3,
            storage=MEMORY,
            space=space,
            pruner="none",
            progress=False,
            refit=False,
        ).best_score

    without = cv_log_loss(X)
    with_noise = cv_log_loss(X.assign(noise_id=ids))
    # Naive reference of the leak the fold-wise encoder prevents: the same column encoded with
    # every row's target (its own included) before cross-validation.
    leaky = cv_log_loss(X.assign(noise_enc=y.groupby(ids).transform("mean")))
    assert with_noise > without - 0.02, (with_noise, without)
    assert leaky < without - 0.1, (leaky, without)  # the test can see a leak when there is one
