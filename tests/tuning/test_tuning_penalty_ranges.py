"""The default search ranges of the penalties bite on small and on large data (issue 15).

The estimators keep the lecture's ``lambda/(2n)`` convention, so a fixed ``lambda`` weighs less the
more rows there are: ``MLPClassifier(l1=10)`` on 5,000 rows left every weight nonzero, and the old
range of ``l1`` (1e-6 .. 1) could never give a sparse network. The search now samples the per-row
strengths ``alpha_per_row = alpha/n`` and ``l1_per_row = l1/n``. The decoupled decay removes
``eta * weight_decay`` of the weights per step: the old range's top, ``weight_decay = 10``, went a
sixth of the way to the constant model at the pipeline's learning rate, and a stronger one flips the
weights' sign at the search's highest learning rate; the search now samples ``decay_per_step = eta *
weight_decay`` in [1e-5, 0.9]. Oracle: the fitted networks themselves (their exact zeros, their
weights' size, their held-out error) at both ends of each default range, on 500 and on 5,000 rows
of the bundled cps1988 data; and seeded searches whose trials span both ends.
"""

import numpy as np
import pytest

import regtune
from regtune._data import detect_columns
from regtune.report import build_report
from regtune.tuning import SearchSpace, build_pipeline, tune

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# The network the ranges were measured on (docs/tuning.md): plain (no embedding, one member), Adam at 1e-3.
NETWORK = {
    "numeric_embedding": "none",
    "n_members": 1,
    "learning_rate_init": 1e-3,
    "n_layers": 2,
    "width": 64,
    "batch_size": 128,
    "max_epochs": 30,
}
N_VALID = 2000


@pytest.fixture(scope="module")
def wages():
    """7,000 rows of cps1988 (wage, regression): training rows first, the last 2,000 held out."""
    X, y = regtune.load_dataset("cps1988", return_X_y=True)
    rows = np.random.default_rng(0).permutation(len(X))[:7000]
    return X.iloc[rows].reset_index(drop=True), y.iloc[rows].reset_index(drop=True)


def _fit(wages, n, **penalty):
    X, y = wages
    categorical, numeric = detect_columns(X)
    pipe = build_pipeline(
        # trained for its whole budget, as a tuning trial trains (no rows held out for early stopping)
        {**NETWORK, "early_stopping": False, **penalty},
        task="regression",
        categorical=categorical,
        numeric=numeric,
        n_rows=n,
    )
    return pipe.fit(X.iloc[:n], y.iloc[:n])


def _effect(wages, n, model, reference):
    """Where ``model``'s held-out RMSE lies from ``reference``'s (0: no effect) to the constant's (1)."""
    X, y = wages
    X_valid, y_valid = X.iloc[-N_VALID:], y.iloc[-N_VALID:].to_numpy()

    def rmse(prediction):
        return np.sqrt(np.mean((prediction - y_valid) ** 2))

    constant = rmse(np.full(N_VALID, y.iloc[:n].mean()))
    return (rmse(model.predict(X_valid)) - rmse(reference.predict(X_valid))) / (
        constant - rmse(reference.predict(X_valid))
    )


@pytest.mark.parametrize("n", [500, 5000])
def test_the_l1_range_spans_no_zero_to_all_zero_weights(wages, n):
    param = SearchSpace.default()["l1_per_row"]
    weak = _fit(wages, n, l1_per_row=param.low)
    strong = _fit(wages, n, l1_per_row=param.high)
    assert weak.named_steps["mlp"].l1 == pytest.approx(param.low * n)
    assert strong.named_steps["mlp"].l1 == pytest.approx(param.high * n)
    assert weak.named_steps["mlp"].sparsity_ < 0.01 and strong.named_steps["mlp"].sparsity_ == 1.0
    assert abs(_effect(wages, n, weak, _fit(wages, n))) < 0.05
    assert _effect(wages, n, strong, _fit(wages, n)) == pytest.approx(1.0, abs=1e-3)


def test_the_old_l1_range_left_every_weight_nonzero(wages):
    """Its top, l1 = 1, on 5,000 rows: the soft threshold eta/(2 * 5000) per step zeroes nothing."""
    assert _fit(wages, 5000, l1=1.0).named_steps["mlp"].sparsity_ < 0.001


@pytest.mark.parametrize("n", [500, 5000])
def test_the_l2_range_spans_no_effect_to_a_near_constant_model(wages, n):
    """At the bottom, the held-out error of the network without it; at the top, near the constant's."""
    param = SearchSpace.default()["alpha_per_row"]
    reference = _fit(wages, n)
    assert abs(_effect(wages, n, _fit(wages, n, alpha_per_row=param.low), reference)) < 0.05
    assert _effect(wages, n, _fit(wages, n, alpha_per_row=param.high), reference) > 0.6


def _hidden_rms(model):
    """Root mean square of the hidden layers' weights (the output layer carries the target's scale)."""
    hidden = np.concatenate([W.ravel() for W in model.named_steps["mlp"].coefs_[:-1]])
    return float(np.sqrt(np.mean(hidden**2)))


@pytest.mark.parametrize("n", [500, 5000])
@pytest.mark.parametrize("lr", [1e-4, 1e-3, 0.1], ids=["lowest lr", "1e-3", "highest lr"])
def test_the_decay_range_spans_no_effect_to_a_near_constant_model_at_every_learning_rate(wages, n, lr):
    """At the bottom, the weights and error of the network without decay; at the top, weights near 0.

    The learning rates are the default space's lowest and highest and the pipeline's own. One
    step multiplies the weights by ``1 - decay_per_step``, so no value of the range diverges.
    """
    param = SearchSpace.default()["decay_per_step"]
    reference, weak, strong = (
        _fit(wages, n, learning_rate_init=lr, **penalty)
        for penalty in ({}, {"decay_per_step": param.low}, {"decay_per_step": param.high})
    )
    assert strong.named_steps["mlp"].weight_decay == pytest.approx(param.high / lr), "the lecture's unit"
    assert _hidden_rms(weak) / _hidden_rms(reference) > 0.95
    assert _hidden_rms(strong) / _hidden_rms(reference) < 0.05
    if lr <= 1e-3:  # at 0.1, 500 rows train chaotically: a 0.3% change of the weights moves the error
        assert abs(_effect(wages, n, weak, reference)) < 0.05
    # The weights left after a step at 0.9 are about its Adam update, eta in size: at lr = 0.1 on
    # 500 rows that still carries some signal (measured 0.59 of the way; 1.0 on 5,000 rows).
    strongest = 0.5 if (n, lr) == (500, 0.1) else 0.95
    assert _effect(wages, n, strong, reference) > strongest


def test_the_old_decay_range_stopped_a_sixth_of_the_way_at_the_pipelines_learning_rate(wages):
    """Its top, weight_decay = 10, at learning rate 1e-3 removes 1% of the weights per step."""
    reference, strongest = _fit(wages, 5000), _fit(wages, 5000, weight_decay=10.0)
    assert _effect(wages, 5000, strongest, reference) < 0.2


PENALTIES = ("alpha_per_row", "l1_per_row", "decay_per_step")


def _search_one_penalty(wages, name):
    """A seeded 11-trial search of 400 wage rows in which only the penalty ``name`` is sampled: the
    default trial, the portfolio's one distinct entry here (the penalty at its low end), then
    TPE's random start (9 draws)."""
    X, y = wages
    space = {
        **NETWORK,
        "learning_rate_init": 3e-3,
        "dropout": 0.0,
        "batch_norm": False,
        "smooth": 10.0,
        "max_onehot": 64,  # fixed: only the penalty is sampled, as the seeds were chosen for
        "beta_1": 0.9,
        "beta_2": 0.999,
        "drop": [other for other in PENALTIES if other != name],
    }
    return tune(
        X.head(400),
        y.head(400),
        n_trials=11,
        cv=2,
        space=space,
        pruner="none",
        seed=0,
        storage="sqlite:///:memory:",
        progress=False,
        refit=False,
    )


def test_the_search_explores_sparse_and_dense_networks(wages):
    """A seeded search over the default l1_per_row range finds both kinds, and the report says so."""
    result = _search_one_penalty(wages, "l1_per_row")
    trials = result.study.trials
    # trial 0 is the default configuration: no L1 (0 lies outside the log range, so it is not sampled)
    sparsity = {t.params.get("l1_per_row", 0.0): t.user_attrs["sparsity"] for t in trials}
    assert min(sparsity.values()) < 0.05 and max(sparsity.values()) > 0.5, sparsity
    page = build_report(result.study)
    low, high = 100 * min(sparsity.values()), 100 * max(sparsity.values())
    assert f"Sparsity searched</th><td>{low:.1f}% to {high:.1f}% of weights exactly zero" in page


def test_the_search_explores_weak_and_strong_decay(wages):
    """A seeded search over the default decay_per_step range reaches a near-constant model at its
    strong end and keeps the best score at its weak end, and the report says which decays it tried."""
    result = _search_one_penalty(wages, "decay_per_step")
    # trial 0 is the default configuration: no decay (0 lies outside the log range, so it is not sampled)
    score = {t.params.get("decay_per_step", 0.0): t.value for t in result.study.trials}
    weakest, strongest = min(score), max(score)
    assert weakest == 0.0 and strongest > 0.3, score
    constant = float(np.std(wages[1].head(400)))  # about the constant model's cross-validated RMSE
    best = min(score.values())
    # no decay: near the best score (a moderate decay is the best trial: decay helps here)
    assert score[weakest] - best < 0.2 * (constant - best)
    assert score[strongest] - best > 0.6 * (constant - best), "the strongest: most of the way to constant"
    sampled = [d for d in score if d > 0]
    low, high = 100 * min(sampled), 100 * max(sampled)
    page = build_report(result.study)
    assert f"Weight decay searched</th><td>{low:.2g}% to {high:.2g}% of the weights removed per step" in page
