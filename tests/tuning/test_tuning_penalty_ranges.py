"""The default search ranges of the penalties bite on small and on large data (issue 15).

The estimators keep the lecture's ``lambda/(2n)`` convention, so a fixed ``lambda`` weighs less the
more rows there are: ``MLPClassifier(l1=10)`` on 5,000 rows left every weight nonzero, and the old
range of ``l1`` (1e-6 .. 1) could never give a sparse network. The search now samples the per-row
strengths ``alpha_per_row = alpha/n`` and ``l1_per_row = l1/n``. Oracle: the fitted networks
themselves (their exact zeros, their held-out error) at both ends of each default range, on 500
and on 5,000 rows of the bundled cps1988 data; and a seeded search whose trials span both.
"""

import numpy as np
import pytest

import regtune
from regtune._data import detect_columns
from regtune.report import build_report
from regtune.tuning import SearchSpace, build_pipeline, tune

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

NETWORK = {"n_layers": 2, "width": 64, "batch_size": 128, "max_epochs": 30}
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
@pytest.mark.parametrize("name", ["alpha_per_row", "weight_decay"])
def test_the_l2_and_decay_ranges_span_no_effect_to_a_near_constant_model(wages, n, name):
    """At the bottom, the held-out error of the network without it; at the top, near the constant's."""
    param = SearchSpace.default()[name]
    reference = _fit(wages, n)
    assert abs(_effect(wages, n, _fit(wages, n, **{name: param.low}), reference)) < 0.05
    # weight_decay's top is bounded by stability (each step multiplies W by 1 - eta * decay, and
    # learning_rate_init reaches 0.1), so with standardized targets it reaches 0.11-0.16, not 0.6.
    strong = 0.6 if name == "alpha_per_row" else 0.1
    assert _effect(wages, n, _fit(wages, n, **{name: param.high}), reference) > strong


def test_the_search_explores_sparse_and_dense_networks(wages):
    """A seeded search over the default l1_per_row range finds both kinds, and the report says so."""
    X, y = wages
    space = {
        **NETWORK,
        "learning_rate_init": 3e-3,
        "dropout": 0.0,
        "batch_norm": False,
        "smooth": 10.0,
        "max_onehot": 64,  # fixed: only l1_per_row is sampled, as the seed was chosen for
        "beta_1": 0.9,
        "beta_2": 0.999,
        "drop": ["alpha_per_row", "weight_decay"],
    }
    result = tune(
        X.head(400),
        y.head(400),
        n_trials=10,
        cv=2,
        space=space,
        pruner="none",
        seed=0,
        storage="sqlite:///:memory:",
        progress=False,
        refit=False,
    )
    trials = result.study.trials
    # trial 0 is the default configuration: no L1 (0 lies outside the log range, so it is not sampled)
    sparsity = {t.params.get("l1_per_row", 0.0): t.user_attrs["sparsity"] for t in trials}
    assert min(sparsity.values()) < 0.05 and max(sparsity.values()) > 0.5, sparsity
    page = build_report(result.study)
    low, high = 100 * min(sparsity.values()), 100 * max(sparsity.values())
    assert f"Sparsity searched</th><td>{low:.1f}% to {high:.1f}% of weights exactly zero" in page
