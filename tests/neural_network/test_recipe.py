"""The training recipe through the estimators: per-step schedules, label smoothing, standardized
targets, data-dependent initialization and ``early_stopping="best_epoch"``."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge
from sklearn.metrics import log_loss

import regtune
from regtune.neural_network import MLPClassifier, MLPRegressor
from regtune.neural_network._recipe import TargetScaling
from regtune.nn import Adam, Penalties, coslog, flat_cos

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture
def regression():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    y = 2e5 * np.tanh(X @ [1.0, -2.0, 0.5, 0.0]) + 3e5 + 1e4 * rng.normal(size=120)
    return X, y


@pytest.fixture
def blobs():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(150, 4))
    y = np.array(["ant", "bee", "cat"])[np.argmax(X[:, :3] + 0.3 * rng.normal(size=(150, 3)), 1)]
    return X, y


def _record_calls(monkeypatch, cls, name, position):
    """Record argument ``position`` of every call of ``cls.name`` (the real method still runs)."""
    seen, original = [], getattr(cls, name)

    def recording(self, *args):
        seen.append(args[position])
        return original(self, *args)

    monkeypatch.setattr(cls, name, recording)
    return seen


# ------------------------------------------------------------------ learning-rate schedules
@pytest.mark.parametrize(("name", "shape"), [("flat_cos", flat_cos), ("coslog4", coslog)])
def test_per_step_learning_rate(monkeypatch, regression, name, shape):
    X, y = regression
    etas = _record_calls(monkeypatch, Adam, "step", 2)
    MLPRegressor((4,), learning_rate=name, learning_rate_init=0.01, batch_size=50, max_iter=4).fit(X, y)
    total = 4 * 3  # 120 rows in batches of 50, 50 and 20
    np.testing.assert_allclose(etas, [0.01 * shape(s / total) for s in range(total)], rtol=1e-12, atol=1e-18)


def test_per_epoch_options_keep_their_numbers(monkeypatch, regression):
    X, y = regression
    etas = _record_calls(monkeypatch, Adam, "step", 2)
    MLPRegressor((4,), learning_rate="cosine", learning_rate_init=0.01, batch_size=60, max_iter=4).fit(X, y)
    per_epoch = [0.005 * (1 + np.cos(np.pi * e / 4)) for e in range(4)]
    np.testing.assert_allclose(etas, np.repeat(per_epoch, 2), rtol=1e-12)
    etas.clear()
    MLPRegressor((4,), learning_rate="invscaling", batch_size=60, max_iter=3, power_t=0.5).fit(X, y)
    np.testing.assert_allclose(etas, np.repeat([1e-3 / np.sqrt(e) for e in (1, 2, 3)], 2), rtol=1e-12)


def test_weight_decay_schedule(monkeypatch, regression):
    X, y = regression
    factors = _record_calls(monkeypatch, Penalties, "decay", 2)
    MLPRegressor((4,), weight_decay=0.02, weight_decay_schedule="flat_cos", batch_size=60, max_iter=3).fit(
        X, y
    )
    np.testing.assert_allclose(factors, [flat_cos(s / 6) for s in range(6)], rtol=1e-15)


def test_dropout_schedule_ends_at_zero_and_the_fitted_network_keeps_it(regression):
    X, y = regression
    reg = MLPRegressor(
        (8,), dropout=0.3, dropout_schedule="flat_cos", dropout_scaling="classic", max_iter=4, random_state=0
    )
    committed = []
    for _ in reg.iter_fit(X, y):
        committed.append([layer["p"] for layer in reg.network_state_["layers"] if layer["kind"] == "dropout"])
    np.testing.assert_allclose(committed, [[0.3 * flat_cos(e / 4)] for e in range(1, 5)], atol=1e-15)
    assert committed[-1] == [0.0]
    # classic dropout folds 1 - p_final = 1; Monte-Carlo passes no longer vary
    mean, std = reg.predict(X[:5], mc_samples=4, return_std=True)
    np.testing.assert_allclose(mean, reg.predict(X[:5]), rtol=1e-6)
    assert np.all(std == 0)


# ------------------------------------------------------------------ label smoothing
def test_label_smoothing_trains_on_smoothed_targets_and_reports_the_plain_log_loss(blobs):
    X, y = blobs
    eps = 0.2
    clf = MLPClassifier((), solver="lbfgs", alpha=1e-6, label_smoothing=eps, max_iter=500)
    clf.fit(X, y)
    proba = clf.predict_proba(X)
    soft = (1 - eps) * (y[:, None] == clf.classes_) + eps / 3
    smoothed_loss = float(np.mean(-(soft * np.log(proba)).sum(axis=1)))
    assert clf.history_[-1]["train_loss"] == pytest.approx(smoothed_loss, rel=1e-5)
    plain = MLPClassifier((), solver="lbfgs", alpha=1e-6, max_iter=500).fit(X, y)
    assert proba.max() < plain.predict_proba(X).max()  # less confident
    # validation loss: the plain log loss of the predictions, smoothing or not
    model = MLPClassifier((8,), label_smoothing=eps, max_iter=2, random_state=0)
    for record in model.iter_fit(X[:100], y[:100], X_val=X[100:], y_val=y[100:]):
        expected = log_loss(y[100:], model.predict_proba(X[100:]), labels=model.classes_)
        assert record["val_loss"] == pytest.approx(expected, rel=1e-5)


def test_binary_label_smoothing_is_y_times_one_minus_eps_plus_half_eps():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(80, 2))
    y = (X[:, 0] + 0.2 * rng.normal(size=80) > 0).astype(int)
    clf = MLPClassifier((), solver="lbfgs", alpha=1e-8, label_smoothing=0.1, max_iter=500).fit(X, y)
    p = clf.predict_proba(X)[:, 1]
    soft = 0.9 * y + 0.05
    expected = float(np.mean(-soft * np.log(p) - (1 - soft) * np.log(1 - p)))
    assert clf.history_[-1]["train_loss"] == pytest.approx(expected, rel=1e-5)


def test_options_of_the_other_task_are_accepted_and_ignored(regression, blobs):
    X, y = regression
    a = MLPRegressor((4,), max_iter=3, random_state=0).fit(X, y)
    b = MLPRegressor((4,), max_iter=3, random_state=0, label_smoothing=0.3).fit(X, y)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    X, y = blobs
    a = MLPClassifier((4,), max_iter=3, random_state=0).fit(X, y)
    b = MLPClassifier((4,), max_iter=3, random_state=0, standardize_target=True).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


# ------------------------------------------------------------------ standardized targets
def test_target_scaling_is_the_weighted_mean_and_std():
    rng = np.random.default_rng(3)
    Y = rng.normal(5.0, 3.0, size=(30, 2))
    counts = rng.integers(1, 4, size=30)
    scaling = TargetScaling.of(Y, counts.astype(float))
    repeated = np.repeat(Y, counts, axis=0)  # integer weights are repeated rows
    np.testing.assert_allclose(scaling.mean, repeated.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(scaling.scale, repeated.std(axis=0), rtol=1e-12)
    constant = TargetScaling.of(np.full((4, 1), 7.0))
    assert constant.scale.tolist() == [1.0] and constant.mean.tolist() == [7.0]


def test_standardized_linear_model_is_ridge_whatever_the_target_scale():
    """With no hidden layer the same alpha gives the same solution, standardized or not (docs)."""
    rng = np.random.default_rng(4)
    X = rng.normal(size=(60, 3))
    y = 1e4 * (X @ [1.0, -0.5, 2.0]) + 5e4 + 3e3 * rng.normal(size=60)
    ridge = Ridge(alpha=30.0).fit(X, y)
    for standardize in (False, True):
        reg = MLPRegressor(
            (), solver="lbfgs", alpha=30.0, tol=1e-12, max_iter=2000, standardize_target=standardize
        )
        reg.fit(X, y)
        np.testing.assert_allclose(reg.coefs_[0][:, 0], ridge.coef_, rtol=1e-6)
        np.testing.assert_allclose(reg.intercepts_[0], [ridge.intercept_], rtol=1e-6)


def test_standardized_targets_reach_a_large_scale(regression):
    X, y = regression
    kwargs = dict(hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=40, random_state=0)
    raw = MLPRegressor(**kwargs).fit(X, y)
    standardized = MLPRegressor(standardize_target=True, **kwargs).fit(X, y)
    assert standardized.score(X, y) > 0.9 > 0.5 > raw.score(X, y)
    assert abs(standardized.predict(X).mean() - y.mean()) < 0.05 * y.std()  # in the target's units


def test_standardized_val_loss_prior_and_warm_start_are_in_target_units(regression):
    X, y = regression
    w = np.linspace(0.5, 2.0, 120)
    frozen = MLPRegressor((4,), standardize_target=True, learning_rate_init=1e-12, max_iter=1, random_state=0)
    frozen.fit(np.zeros_like(X), y, sample_weight=w)  # relu(0) = 0: the output bias alone
    np.testing.assert_allclose(frozen.predict(X[:3] * 0), np.average(y, weights=w), rtol=1e-6)
    reg = MLPRegressor((8,), standardize_target=True, max_iter=2, random_state=0)
    for record in reg.iter_fit(X[:90], y[:90], X_val=X[90:], y_val=y[90:]):
        expected = np.mean(0.5 * (y[90:] - reg.predict(X[90:])) ** 2)
        assert record["val_loss"] == pytest.approx(expected, rel=1e-5)
    before = reg.predict(X)
    reg.set_params(warm_start=True, learning_rate_init=1e-12, max_iter=1).fit(X, y)
    np.testing.assert_allclose(reg.predict(X), before, rtol=1e-5)


def test_standardized_multi_output():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(80, 3))
    Y = np.column_stack([1e3 * X[:, 0] + 1e4, -0.01 * X[:, 1]])
    reg = MLPRegressor((16,), standardize_target=True, learning_rate_init=0.01, max_iter=60, random_state=0)
    reg.fit(X, Y)
    pred = reg.predict(X)
    assert pred.shape == (80, 2)
    for k in range(2):
        assert np.corrcoef(pred[:, k], Y[:, k])[0, 1] > 0.95


# ------------------------------------------------------------------ initialization
def test_data_init_through_the_estimator(regression):
    X, y = regression
    X = X * [1e-3, 1.0, 1e3, 10.0] + 100.0
    reg = MLPRegressor((16,), init="data", max_iter=1, learning_rate_init=1e-12, random_state=0).fit(X, y)
    z = X @ reg.coefs_[0] + reg.intercepts_[0]
    np.testing.assert_allclose(z.std(axis=0), 1.0, rtol=1e-3)  # float32 network
    assert (z.min(axis=0) < 0).all() and (z.max(axis=0) > 0).all()
    again = MLPRegressor((16,), init="data", max_iter=1, learning_rate_init=1e-12, random_state=0).fit(X, y)
    np.testing.assert_array_equal(again.coefs_[0], reg.coefs_[0])  # seeded by random_state


# ------------------------------------------------------------------ train the budget, keep the best epoch
def test_best_epoch_trains_the_budget_and_keeps_the_best_validation_epoch(blobs):
    X, y = blobs
    kwargs = dict(
        hidden_layer_sizes=(32,), learning_rate_init=0.05, early_stopping="best_epoch", random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # the budget is the rule: no warning
        full = MLPClassifier(max_iter=30, **kwargs).fit(X, y)
    val_losses = [h["val_loss"] for h in full.history_]
    best = int(np.argmin(val_losses)) + 1
    assert full.n_iter_ == 30 == len(full.validation_scores_) and best < 30
    # the first `best` epochs of the same run (constant learning rate) end at the best epoch
    cut = MLPClassifier(max_iter=best, **kwargs).fit(X, y)
    np.testing.assert_array_equal(full.network_state_["theta"], cut.network_state_["theta"])
    np.testing.assert_array_equal(full.coefs_[0], cut.coefs_[0])
    stopped = MLPClassifier(max_iter=30, n_iter_no_change=2, **{**kwargs, "early_stopping": True}).fit(X, y)
    assert stopped.n_iter_ < 30


def test_best_epoch_with_standardized_targets_restores_target_units(regression):
    X, y = regression
    kwargs = dict(
        hidden_layer_sizes=(16,), standardize_target=True, early_stopping="best_epoch", random_state=0
    )
    reg = MLPRegressor(learning_rate_init=0.05, max_iter=20, **kwargs).fit(X, y)
    best = int(np.argmin([h["val_loss"] for h in reg.history_])) + 1
    assert reg.n_iter_ == 20 and reg.best_loss_ is None and best < 20
    cut = MLPRegressor(learning_rate_init=0.05, max_iter=best, **kwargs).fit(X, y)
    np.testing.assert_array_equal(reg.network_state_["theta"], cut.network_state_["theta"])
    assert reg.score(X, y) > 0.5  # in the target's units


def test_recipe_model_saves_and_loads_without_pickle(tmp_path, regression):
    X, y = regression
    reg = MLPRegressor(
        (8,),
        dropout=0.2,
        dropout_schedule="flat_cos",
        weight_decay=0.01,
        weight_decay_schedule="flat_cos",
        learning_rate="coslog4",
        standardize_target=True,
        init="data",
        beta_2=0.95,
        early_stopping="best_epoch",
        max_iter=5,
        random_state=0,
    ).fit(X, y)
    loaded = regtune.load(regtune.save(reg, tmp_path / "m.regtune"))
    np.testing.assert_array_equal(loaded.predict(X), reg.predict(X))
    assert loaded.get_params() == reg.get_params()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"learning_rate": "linear"}, "'learning_rate' parameter"),
        ({"dropout_schedule": "cosine"}, "'dropout_schedule' parameter"),
        ({"weight_decay_schedule": "flat"}, "'weight_decay_schedule' parameter"),
        ({"label_smoothing": 1.0}, "'label_smoothing' parameter"),
        ({"standardize_target": "yes"}, "'standardize_target' parameter"),
        ({"init": "he"}, "'init' parameter"),
        ({"early_stopping": "best"}, "'early_stopping' parameter"),
        ({"beta_2": 1.0}, "'beta_2' parameter"),
    ],
)
def test_each_option_is_validated(blobs, params, message):
    X, _ = blobs
    for Est in (MLPClassifier, MLPRegressor):
        with pytest.raises(ValueError, match=message):
            Est(max_iter=1, **params).fit(X, np.arange(150) % 2)


@pytest.mark.parametrize("n_members", [1, 3])
@pytest.mark.parametrize("n_outputs", [1, 2])
def test_standardized_targets_predict_as_a_fit_on_the_standardized_target(regression, n_members, n_outputs):
    """The oracle: the same network fitted by hand on ``(y - mean)/std``, its predictions mapped back
    (with k members the scaling is folded into every member's head)."""
    X, y = regression
    Y = y if n_outputs == 1 else np.c_[y, 3.0 - y / 7.0]
    mean, std = Y.mean(axis=0), Y.std(axis=0)
    kwargs = dict(hidden_layer_sizes=(8,), max_iter=5, random_state=0, n_members=n_members)
    kwargs.update(solver="adam", n_iter_no_change=np.inf)
    inside = MLPRegressor(standardize_target=True, **kwargs).fit(X, Y)
    by_hand = MLPRegressor(**kwargs).fit(X, (Y - mean) / std)
    np.testing.assert_allclose(
        inside.predict(X), mean + std * by_hand.predict(X), rtol=1e-4, atol=1e-4 * std.max()
    )
