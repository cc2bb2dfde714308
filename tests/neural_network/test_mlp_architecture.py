"""The estimators' architecture options: which columns are embedded, the layer list each option
builds, prediction through layers that do not fold, save/load without pickle and warm starts."""

import numpy as np
import pytest

import regtune
from regtune.neural_network import MLPClassifier, MLPRegressor
from regtune.neural_network._architecture import continuous_columns, embedded_columns
from regtune.neural_network._state import network_from_state
from regtune.nn import mlp_layers, output_transform

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

OPTIONS = [
    {"feature_scaling": True},
    {"numeric_embedding": "pbld"},
    {"numeric_embedding": "plr"},
    {"numeric_embedding": "ple", "n_bins": 5},
    {"n_members": 3},
    {"numeric_embedding": "ple", "feature_scaling": True, "n_members": 2, "dropout": 0.1, "batch_norm": True},
]


def mixed_rows(n=80, seed=0):
    """Two continuous columns, a one-hot pair, a +-1 column and a 0/1 indicator."""
    rng = np.random.default_rng(seed)
    hot = np.eye(2)[rng.integers(0, 2, n)]
    X = np.column_stack(
        [rng.normal(size=n), hot, rng.choice([-1.0, 1.0], n), rng.exponential(size=n), rng.random(n) < 0.2]
    )
    y = np.sin(2 * X[:, 0]) + X[:, 3] * X[:, 4] + 0.1 * rng.normal(size=n)
    return X.astype(float), y


def test_continuous_columns_are_those_with_more_than_two_values():
    X, _ = mixed_rows()
    assert continuous_columns(X) == [0, 4]
    X[:, 2] = [0.0, 1.0, 2.0] * 26 + [0.0, 1.0]
    assert continuous_columns(X) == [0, 2, 4]
    w = np.ones(X.shape[0])
    w[2::3] = 0.0  # the rows where column 2 holds 2
    assert continuous_columns(X, w) == [0, 4]
    assert continuous_columns(np.zeros((0, 3))) == []


def test_embedding_columns_as_indices_and_their_errors():
    X, _ = mixed_rows()
    assert embedded_columns([3, 0], X) == [0, 3] and embedded_columns(4, X) == [4]
    with pytest.raises(
        ValueError, match=r"embedding_columns must hold column indices in \[0, 6\), got \[0, 6\]"
    ):
        embedded_columns([0, 6], X)
    with pytest.raises(ValueError, match="embedding_columns must not repeat a column"):
        embedded_columns([1, 1], X)
    reg = MLPRegressor((8,), numeric_embedding="pbld", embedding_columns=[1, 9], max_iter=2)
    with pytest.raises(ValueError, match="embedding_columns must hold column indices"):
        reg.fit(X, X[:, 0])


def test_the_defaults_build_the_earlier_network():
    X, y = mixed_rows()
    reg = MLPRegressor((8, 4), batch_norm=True, dropout=0.1, max_iter=2, random_state=0).fit(X, y)
    expected = [
        {"kind": layer.kind, **layer.config()}
        for layer in mlp_layers((6, 8, 4, 1), batch_norm=True, dropout=0.1)
    ]
    assert [
        {k: v for k, v in entry.items() if k in e} for entry, e in zip(reg.network_state_["layers"], expected)
    ] == expected
    assert len(reg.coefs_) == 3


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()))
def test_each_option_builds_its_layers_and_predicts_through_them(options):
    X, y = mixed_rows()
    reg = MLPRegressor((8,), max_iter=5, random_state=0, **options).fit(X, y)
    kinds = [entry["kind"] for entry in reg.network_state_["layers"]]
    embedding = options.get("numeric_embedding", "none")
    if embedding != "none":
        first = reg.network_state_["layers"][0]
        assert first["columns"] == [0, 4]
        assert first["kind"] == ("piecewise_linear_encoding" if embedding == "ple" else "periodic_embedding")
    assert ("feature_scale" in kinds) == options.get("feature_scaling", False)
    assert (kinds[-1] == "member_head") == (options.get("n_members", 1) > 1)
    folds = embedding == "none" and options.get("n_members", 1) == 1
    assert (reg.coefs_ is not None) == folds
    net = network_from_state(reg.network_state_)
    np.testing.assert_allclose(reg.predict(X), net.forward_layers(X)[:, 0], rtol=1e-5, atol=1e-6)
    assert reg.n_outputs_ == 1 and reg.n_layers_ == 3


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()))
def test_save_and_load_round_trip_without_pickle(options, tmp_path):
    X, y = mixed_rows()
    labels = np.array(["a", "b", "c"])[np.digitize(y, np.quantile(y, [1 / 3, 2 / 3]))]
    clf = MLPClassifier((8,), max_iter=5, random_state=0, **options).fit(X, labels)
    loaded = regtune.load(regtune.save(clf, tmp_path / "m.regtune"))
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict_proba(X, mc_samples=2), clf.predict_proba(X, mc_samples=2))
    np.testing.assert_array_equal(loaded.network_state_["theta"], clf.network_state_["theta"])


def test_k_member_classifier_predicts_the_mean_of_its_members_probabilities():
    X, y = mixed_rows()
    clf = MLPClassifier((8,), n_members=4, max_iter=5, random_state=0).fit(X, y > np.median(y))
    net = network_from_state(clf.network_state_)
    steps = net.prediction_steps()
    a = X
    for step in steps[:-1]:
        a = step.forward(a) if not hasattr(step, "kind") else step.forward_predict(a)
    members = steps[-1]._members(a)  # (k, m, 1) logits of each member
    expected = output_transform("log_loss", members).mean(axis=0)[:, 0]
    np.testing.assert_allclose(clf.predict_proba(X)[:, 1], expected, rtol=1e-6)


def test_warm_start_keeps_the_embedded_columns_and_bins():
    X, y = mixed_rows()
    reg = MLPRegressor((8,), numeric_embedding="ple", n_bins=4, warm_start=True, max_iter=3, random_state=0)
    reg.fit(X, y)
    edges = reg.network_state_["layers"][0]["edges"].copy()
    X2 = X.copy()
    X2[:, 0] *= 10  # other quantiles: the fitted bins must stay
    reg.fit(X2, y)
    np.testing.assert_array_equal(reg.network_state_["layers"][0]["edges"], edges)
    assert reg.n_iter_ == 6
    reg.set_params(numeric_embedding="pbld")
    with pytest.raises(ValueError, match="warm_start=True needs the same architecture as the fitted one"):
        reg.fit(X, y)


def test_pbld_needs_two_values_per_column():
    X, y = mixed_rows()
    with pytest.raises(ValueError, match="embedding_dim must be >= 2 with numeric_embedding='pbld'"):
        MLPRegressor(numeric_embedding="pbld", embedding_dim=1, max_iter=1).fit(X, y)
    MLPRegressor((4,), numeric_embedding="plr", embedding_dim=1, max_iter=1).fit(X, y)


def test_lbfgs_trains_embeddings_and_members_in_float64():
    X, y = mixed_rows()
    reg = MLPRegressor(
        (8,), solver="lbfgs", numeric_embedding="pbld", n_members=2, max_iter=30, random_state=0
    )
    reg.fit(X.astype(np.float32), y)
    assert reg.network_state_["dtype"] == "float64" and reg.predict(X).dtype == np.float64
    assert reg.score(X, y) > 0.5


def test_no_continuous_column_means_no_embedding_layer():
    X, y = mixed_rows()
    reg = MLPRegressor((4,), numeric_embedding="pbld", max_iter=2).fit(X[:, 1:4], y)
    assert reg.network_state_["layers"][0]["kind"] == "dense" and reg.coefs_ is not None


@pytest.mark.parametrize("options", OPTIONS[1:], ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()))
def test_prediction_through_layers_is_the_rebuilt_networks_and_follows_a_refit(options):
    # predict keeps the network rebuilt from network_state_ between calls; a refit (a new state)
    # must not predict with the old one.
    X, y = mixed_rows()
    model = MLPRegressor((8,), max_iter=5, random_state=0, **options).fit(X, y)
    assert model.coefs_ is None
    first = model.predict(X)
    np.testing.assert_array_equal(model.predict(X), first)
    expected = network_from_state(model.network_state_).forward_predict(X)[:, 0]
    np.testing.assert_allclose(first, expected, rtol=1e-12, atol=1e-12)
    model.fit(X, -y)
    refit = network_from_state(model.network_state_).forward_predict(X)[:, 0]
    np.testing.assert_allclose(model.predict(X), refit, rtol=1e-12, atol=1e-12)
    assert not np.allclose(refit, first)
