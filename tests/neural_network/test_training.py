"""The estimators' behaviour: iter_fit contract, early stopping, Monte-Carlo dropout, weights."""

import numpy as np
import pytest
import sklearn.neural_network as sknn
from sklearn.metrics import log_loss

import regtune
from regtune.neural_network import MLPClassifier, MLPRegressor, _stopping

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture
def blobs():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 4))
    y = np.array(["ant", "bee", "cat"])[np.argmax(X[:, :3] + 0.3 * rng.normal(size=(90, 3)), 1)]
    return X, y


def test_lazy_import_and_sklearn_parameter_names():
    assert regtune.MLPClassifier is MLPClassifier
    for ours, theirs in [(MLPClassifier, sknn.MLPClassifier), (MLPRegressor, sknn.MLPRegressor)]:
        missing = set(theirs().get_params()) - set(ours().get_params())
        assert not missing, missing


def test_iter_fit_contract(blobs):
    X, y = blobs
    clf = MLPClassifier((8,), max_iter=4, random_state=0, learning_rate_init=0.01)
    records = []
    for record in clf.iter_fit(X[:60], y[:60], X_val=X[60:], y_val=y[60:]):
        records.append(record)
        proba = clf.predict_proba(X[60:])  # a consistent fitted estimator between yields
        assert record["val_loss"] == pytest.approx(log_loss(y[60:], proba, labels=clf.classes_), rel=1e-5)
        assert isinstance(record["train_loss"], float)
    assert [r["epoch"] for r in records] == [1, 2, 3, 4]
    assert clf.n_iter_ == 4 and len(clf.loss_curve_) == 4
    assert [h["train_loss"] for h in clf.history_] == [r["train_loss"] for r in records]


def test_closing_iter_fit_keeps_the_last_completed_epoch(blobs):
    X, y = blobs
    clf = MLPClassifier((8,), max_iter=50, random_state=0)
    gen = clf.iter_fit(X, y)
    next(gen)
    next(gen)
    theta = clf.network_state_["theta"].copy()
    proba = clf.predict_proba(X)
    gen.close()
    assert clf.n_iter_ == 2
    np.testing.assert_array_equal(clf.network_state_["theta"], theta)
    np.testing.assert_array_equal(clf.predict_proba(X), proba)
    # two epochs of iter_fit are the first two epochs of fit, with the same random_state
    again = MLPClassifier((8,), max_iter=2, random_state=0, n_iter_no_change=np.inf).fit(X, y)
    np.testing.assert_array_equal(again.network_state_["theta"], theta)


def test_train_loss_is_the_weighted_mean_data_term():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 3))
    y = X @ [1.0, 2.0, -1.0]
    w = rng.uniform(0.2, 3.0, size=40)
    reg = MLPRegressor(
        (),
        solver="sgd",
        batch_size=40,
        learning_rate_init=0.0 + 1e-12,
        shuffle=False,
        max_iter=1,
        random_state=0,
    )
    record = next(reg.iter_fit(X, y, sample_weight=w))
    # one full batch with a vanishing step: the loss was computed at the initial weights
    pred = reg.predict(X)
    assert record["train_loss"] == pytest.approx(np.sum(w * (y - pred) ** 2 / 2) / w.sum(), rel=1e-5)


def test_lbfgs_iter_fit_yields_once():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(30, 2))
    records = list(MLPRegressor((3,), solver="lbfgs", max_iter=50).iter_fit(X, X[:, 0]))
    assert len(records) == 1 and records[0]["epoch"] >= 1


def test_early_stopping_restores_the_best_weights(blobs, monkeypatch):
    X, y = blobs
    split = {}

    def fixed_split(idx, test_size, random_state, stratify):
        split["val"] = idx[::5]
        return np.setdiff1d(idx, idx[::5]), idx[::5]

    monkeypatch.setattr(_stopping, "train_test_split", fixed_split)
    clf = MLPClassifier(
        (32,), early_stopping=True, learning_rate_init=0.05, max_iter=200, n_iter_no_change=5, random_state=0
    ).fit(X, y)
    val_losses = [h["val_loss"] for h in clf.history_]
    assert clf.n_iter_ < 200 and np.argmin(val_losses) < len(val_losses) - 1
    Xv, yv = X[split["val"]], y[split["val"]]
    restored = log_loss(yv, clf.predict_proba(Xv), labels=clf.classes_)
    assert restored == pytest.approx(min(val_losses), rel=1e-5)
    assert len(clf.validation_scores_) == clf.n_iter_
    assert clf.best_validation_score_ == max(clf.validation_scores_)


def test_monte_carlo_dropout(blobs):
    X, y = blobs
    clf = MLPClassifier((16,), dropout=0.3, max_iter=20, random_state=0).fit(X, y)
    mean, std = clf.predict_proba(X, mc_samples=30, return_std=True)
    again, _ = clf.predict_proba(X, mc_samples=30, return_std=True)
    np.testing.assert_array_equal(mean, again)  # seeded from random_state
    np.testing.assert_allclose(mean.sum(axis=1), 1.0, rtol=1e-5)
    assert std.shape == mean.shape and (std > 0).mean() > 0.9
    assert not np.allclose(mean, clf.predict_proba(X))
    plain = MLPRegressor((8,), max_iter=5, random_state=0).fit(X, X[:, 0])
    m, s = plain.predict(X, mc_samples=3, return_std=True)
    np.testing.assert_allclose(m, plain.predict(X), rtol=1e-6)  # no dropout: no spread
    assert m.shape == s.shape == (90,) and s.max() < 1e-12


def test_labels_outputs_and_dtypes(blobs):
    X, y = blobs
    clf = MLPClassifier((5,), max_iter=3, random_state=0).fit(X, y)
    assert list(clf.classes_) == ["ant", "bee", "cat"] and clf.coefs_[-1].shape == (5, 3)
    assert set(clf.predict(X)) <= set(clf.classes_) and clf.out_activation_ == "softmax"
    binary = MLPClassifier((5,), max_iter=3, random_state=0).fit(X, y == "ant")
    assert binary.coefs_[-1].shape == (5, 1) and binary.out_activation_ == "logistic"
    assert binary.predict_proba(X).shape == (90, 2)
    assert clf.coefs_[0].dtype == np.float64  # float64 input kept
    small = MLPClassifier((5,), max_iter=3, random_state=0).fit(X.astype(np.float32), y)
    assert small.coefs_[0].dtype == np.float32
    ints = MLPRegressor((5,), max_iter=3, random_state=0).fit((X * 10).astype(int), X[:, 0])
    assert ints.coefs_[0].dtype == np.float32  # float32 by default


def test_linear_model_and_batch_norm_folded_weights_reproduce_predict(blobs):
    X, y = blobs
    lin = MLPClassifier((), max_iter=5, random_state=0).fit(X, y)
    assert len(lin.coefs_) == 1 and lin.coefs_[0].shape == (4, 3)
    bn = MLPRegressor(
        (6, 5),
        batch_norm=True,
        dropout=0.2,
        dropout_scaling="classic",
        activation="tanh",
        max_iter=5,
        random_state=0,
    ).fit(X, X[:, 0])
    h = X
    for W, b in zip(bn.coefs_[:-1], bn.intercepts_[:-1]):
        h = np.tanh(h @ W + b)
    np.testing.assert_allclose(bn.predict(X), (h @ bn.coefs_[-1] + bn.intercepts_[-1])[:, 0], rtol=1e-10)


def test_l1_gives_exact_zeros_and_sparsity(blobs):
    X, y = blobs
    clf = MLPClassifier(
        (16,), solver="sgd", l1=500.0, learning_rate_init=0.1, max_iter=30, random_state=0
    ).fit(X, y)
    weights = np.concatenate([W.ravel() for W in clf.coefs_])
    assert clf.sparsity_ > 0.3
    assert clf.sparsity_ == pytest.approx(np.mean(weights == 0))


def test_sample_weights_with_lbfgs_are_repetitions(blobs):
    X, y = blobs
    w = np.tile([0, 1, 2], 30)
    params = {"hidden_layer_sizes": (), "solver": "lbfgs", "alpha": 1.0, "tol": 1e-12, "max_iter": 500}
    weighted = MLPClassifier(**params).fit(X, y, sample_weight=w)
    repeated = MLPClassifier(**params).fit(np.repeat(X, w, axis=0), np.repeat(y, w))
    np.testing.assert_allclose(weighted.coefs_[0], repeated.coefs_[0], rtol=1e-5, atol=1e-7)
    balanced = MLPClassifier(**params, class_weight="balanced").fit(X, y)
    counts = {c: np.sum(y == c) for c in np.unique(y)}
    manual = MLPClassifier(**params).fit(X, y, sample_weight=[len(y) / (3 * counts[c]) for c in y])
    np.testing.assert_allclose(balanced.coefs_[0], manual.coefs_[0], rtol=1e-5, atol=1e-6)


def test_warm_start_continues_from_the_fitted_weights(blobs):
    X, y = blobs
    clf = MLPClassifier((8,), max_iter=5, warm_start=True, random_state=0, n_iter_no_change=np.inf).fit(X, y)
    first = clf.loss_curve_[:]
    clf.fit(X, y)
    assert clf.n_iter_ == 10 and clf.loss_curve_[:5] == first
    assert clf.loss_curve_[5] < first[0]


def test_fitted_state_is_plain_data(blobs):
    """What regtune.save stores: arrays, numbers, strings, lists, tuples, dicts, None only."""
    X, y = blobs
    clf = MLPClassifier(
        (8,), batch_norm=True, dropout=0.1, early_stopping=True, max_iter=5, random_state=0
    ).fit(X, y)

    def check(value):
        if isinstance(value, dict):
            for key, item in value.items():
                assert isinstance(key, str)
                check(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                check(item)
        else:
            assert value is None or isinstance(value, (np.ndarray, np.generic, bool, int, float, str)), type(
                value
            )

    check(vars(clf))


def test_cosine_schedule_scales_decoupled_weight_decay_in_the_estimator():
    """Full-batch SGD on a linear model against a naive loop: for epoch e (1-based),
    eta_e = eta0 (1 + cos(pi (e-1)/E))/2 and W <- W (1 - eta_e wd) - eta_e dW."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(25, 3))
    y = X @ [1.0, -2.0, 0.5] + 0.3
    E, eta0, wd = 6, 0.2, 0.7
    reg = MLPRegressor(
        (),
        solver="sgd",
        momentum=0.0,
        alpha=0.0,
        weight_decay=wd,
        learning_rate="cosine",
        learning_rate_init=eta0,
        batch_size=25,
        shuffle=False,
        max_iter=E,
        random_state=0,
    )
    gen = reg.iter_fit(X, y)
    next(gen)
    W, b = reg.coefs_[0][:, 0].copy(), reg.intercepts_[0][0]
    for e in range(2, E + 1):
        eta = eta0 * (1 + np.cos(np.pi * (e - 1) / E)) / 2
        residual = X @ W + b - y
        dW, db = X.T @ residual / 25, residual.mean()
        W, b = W * (1 - eta * wd) - eta * dW, b - eta * db
        next(gen)
        np.testing.assert_allclose(reg.coefs_[0][:, 0], W, rtol=1e-12)
        assert reg.intercepts_[0][0] == pytest.approx(b, rel=1e-12)


def test_iter_fit_ignores_early_stopping_and_runs_max_iter(blobs):
    X, y = blobs
    clf = MLPClassifier((4,), early_stopping=True, n_iter_no_change=1, max_iter=7, random_state=0)
    assert len(list(clf.iter_fit(X, y))) == 7
    assert all(r["val_loss"] is None for r in clf.history_)


def test_batch_norm_with_batch_size_one_trains_on_pairs_of_rows():
    """Batch statistics need two rows: batch_size=1 with batch norm is batch_size=2."""
    rng = np.random.default_rng(4)
    X = rng.normal(size=(21, 3))
    y = X @ [1.0, -1.0, 0.5]
    params = {"hidden_layer_sizes": (5,), "batch_norm": True, "max_iter": 3, "random_state": 0}
    one = MLPRegressor(batch_size=1, **params).fit(X, y)
    two = MLPRegressor(batch_size=2, **params).fit(X, y)
    np.testing.assert_array_equal(one.network_state_["theta"], two.network_state_["theta"])
    assert np.isfinite(one.predict(X)).all()


def test_batch_norm_refuses_early_stopping_that_leaves_one_training_row():
    X, y = np.arange(6.0).reshape(3, 2), np.array([0.0, 1.0, 2.0])
    reg = MLPRegressor((4,), batch_norm=True, early_stopping=True, validation_fraction=0.5, random_state=0)
    with pytest.raises(
        ValueError, match=r"batch_norm=True needs at least 2 training rows.*validation_fraction"
    ):
        reg.fit(X, y)


def test_regressor_iter_fit_with_validation_rows_on_a_fresh_estimator():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(40, 3))
    y = X @ [1.0, 2.0, -1.0]
    reg = MLPRegressor((4,), max_iter=2, random_state=0)
    records = list(reg.iter_fit(X[:30], y[:30], X_val=X[30:], y_val=y[30:, None]))
    half_squared_error = np.mean((reg.predict(X[30:]) - y[30:]) ** 2) / 2
    assert records[-1]["val_loss"] == pytest.approx(half_squared_error, rel=1e-5)
    assert reg.predict(X[:2]).shape == (2,)  # y_val's column shape did not change the training target's
    with pytest.raises(ValueError, match="y_val must have 1 column"):
        reg.iter_fit(X[:30], y[:30], X_val=X[30:], y_val=np.c_[y[30:], y[30:]])
