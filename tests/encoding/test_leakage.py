"""Cross fitting is what keeps a noise column from looking predictive: this test pins it."""

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from regtune import TargetEncoder


def _auc_train_and_test(encode_train):
    rng = np.random.default_rng(0)
    n_train, n_test, n_levels = 3000, 3000, 1000  # ~3 training rows per level: pure noise
    X = rng.integers(0, n_levels, size=(n_train + n_test, 1))
    y = rng.integers(0, 2, size=n_train + n_test)  # independent of X
    X_train, X_test, y_train, y_test = X[:n_train], X[n_train:], y[:n_train], y[n_train:]
    encoder = TargetEncoder(smooth="auto", random_state=0)
    Z_train = encode_train(encoder, X_train, y_train)
    Z_test = encoder.transform(X_test)
    model = LogisticRegression().fit(Z_train, y_train)
    return (
        roc_auc_score(y_train, model.decision_function(Z_train)),
        roc_auc_score(y_test, model.decision_function(Z_test)),
    )


def test_noise_column_leak_free_with_fit_transform_and_leaky_with_fit_transform_split():
    cross_train, cross_test = _auc_train_and_test(lambda e, X, y: e.fit_transform(X, y))
    leaky_train, leaky_test = _auc_train_and_test(lambda e, X, y: e.fit(X, y).transform(X))
    # Leak-free: no better than chance on training rows or held-out rows (AUC 0.5 +- ~0.02).
    assert abs(cross_train - 0.5) < 0.05 and abs(cross_test - 0.5) < 0.05
    # Leaky: the encoding "knows" each training label, so the model looks excellent on training
    # rows and is no better than chance on held-out rows.
    assert leaky_train > 0.75
    assert abs(leaky_test - 0.5) < 0.05
    assert leaky_train - leaky_test > 0.2 > abs(cross_train - cross_test)
