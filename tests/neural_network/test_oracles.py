"""Convex oracles: with no hidden layer the estimators are ridge, logistic regression and lasso."""

import numpy as np
import pytest
from sklearn.linear_model import Lasso, LogisticRegression, Ridge

from regtune.neural_network import MLPClassifier, MLPRegressor


@pytest.fixture
def regression():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 6))
    coef = np.array([2.0, -1.5, 0.0, 0.0, 0.3, 1.0])
    y = X @ coef + 0.5 + rng.normal(scale=0.3, size=80)
    return X, y, rng.uniform(0.5, 2.0, size=80)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("lam", [0.1, 10.0])
def test_alpha_with_lbfgs_is_ridge(regression, lam, weighted):
    X, y, w = regression
    w = w if weighted else None
    ours = MLPRegressor(hidden_layer_sizes=(), solver="lbfgs", alpha=lam, tol=1e-12, max_iter=1000).fit(
        X, y, sample_weight=w
    )
    ridge = Ridge(alpha=lam).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(ours.coefs_[0][:, 0], ridge.coef_, rtol=1e-4)
    assert ours.intercepts_[0][0] == pytest.approx(ridge.intercept_, rel=1e-4)


@pytest.mark.parametrize("lam", [0.5, 5.0])
def test_alpha_with_lbfgs_is_logistic_regression(lam):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(120, 5))
    y = np.where(X @ rng.normal(size=5) + rng.normal(size=120) > 0, "yes", "no")
    ours = MLPClassifier(hidden_layer_sizes=(), solver="lbfgs", alpha=lam, tol=1e-12, max_iter=1000).fit(X, y)
    ref = LogisticRegression(C=1 / lam, tol=1e-12, max_iter=10000).fit(X, y)
    np.testing.assert_array_equal(ours.classes_, ref.classes_)
    np.testing.assert_allclose(ours.coefs_[0][:, 0], ref.coef_[0], rtol=1e-4)
    assert ours.intercepts_[0][0] == pytest.approx(ref.intercept_[0], rel=1e-4)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # tol=0 on purpose
def test_full_batch_proximal_l1_is_lasso(regression):
    """ISTA (full-batch SGD, proximal soft-threshold) reaches Lasso(alpha=l1/(2n))."""
    X, y, _ = regression
    n, l1 = X.shape[0], 40.0
    lipschitz = np.linalg.eigvalsh(np.c_[X, np.ones(n)].T @ np.c_[X, np.ones(n)] / n).max()
    ours = MLPRegressor(
        hidden_layer_sizes=(),
        solver="sgd",
        momentum=0.0,
        alpha=0.0,
        l1=l1,
        batch_size=n,
        shuffle=False,
        learning_rate_init=1 / lipschitz,
        max_iter=3000,
        tol=0.0,
        n_iter_no_change=np.inf,
        random_state=0,
    ).fit(X, y)
    lasso = Lasso(alpha=l1 / (2 * n), tol=1e-12, max_iter=100000).fit(X, y)
    ours_coef = ours.coefs_[0][:, 0]
    assert (lasso.coef_ == 0).sum() >= 2  # the oracle is sparse, so the pattern means something
    np.testing.assert_array_equal(ours_coef == 0, lasso.coef_ == 0)
    np.testing.assert_allclose(ours_coef, lasso.coef_, rtol=1e-3, atol=1e-6)
    assert ours.intercepts_[0][0] == pytest.approx(lasso.intercept_, rel=1e-3)
    assert ours.sparsity_ == pytest.approx(np.mean(lasso.coef_ == 0))
