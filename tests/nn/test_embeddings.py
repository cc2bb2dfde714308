"""Numeric embeddings and the feature scale: float64 finite-difference gradients, the formulas
against naive loops written here, hand-computed piecewise-linear values, the quantile bins, the
prediction path of a network that does not fold, and the saved state."""

import numpy as np
import pytest

from regtune.nn import (
    LOSSES,
    FeatureScale,
    Network,
    Penalties,
    PeriodicEmbedding,
    PiecewiseLinearEncoding,
    full_batch_objective,
    mlp_layers,
    quantile_edges,
)
from regtune.nn._layers.piecewise_linear import EDGE_RESOLUTION

RTOL = 1e-6
N_OUT = {"squared_error": 2, "log_loss": 1, "cross_entropy": 3}


def make_problem(loss, rng, m=8, n_in=4):
    X = rng.normal(size=(m, n_in))
    n_out = N_OUT[loss]
    if loss == "squared_error":
        Y = rng.normal(size=(m, n_out))
    elif loss == "log_loss":
        Y = rng.integers(0, 2, size=(m, 1)).astype(float)
    else:
        Y = np.eye(n_out)[rng.integers(0, n_out, size=m)]
    return X, Y, rng.uniform(0.5, 2.0, size=m)


def assert_gradient_matches(net, loss, X, Y, w, penalties, masks=None):
    def objective():
        return full_batch_objective(net, loss, X, Y, w, penalties, masks=masks)

    objective()
    analytic = net.grad.copy()
    numeric = np.empty_like(net.theta)
    for i in range(net.theta.size):
        old = net.theta[i]
        net.theta[i] = old + 1e-6
        up = objective()
        net.theta[i] = old - 1e-6
        down = objective()
        net.theta[i] = old
        numeric[i] = (up - down) / 2e-6
    np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=RTOL * np.abs(numeric).max())


def embedded_network(embedding, n_in, n_out, rng, batch_norm=False):
    """FeatureScale -> embedding -> FeatureScale -> MLP: the first scale learns only through the
    embedding's input gradient, so the check covers ``da`` too."""
    layers = [
        FeatureScale(n_in),
        embedding,
        FeatureScale(embedding.n_out),
        *mlp_layers((embedding.n_out, 5, n_out), "tanh", batch_norm=batch_norm),
    ]
    net = Network(layers, np.float64)
    net.initialize(rng)
    net.theta += rng.normal(scale=0.2, size=net.theta.size)  # scales != 1, biases != 0
    return net


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize(
    ("variant", "columns"), [("pbld", [0, 2]), ("plr", [1, 2, 3]), ("pbld", [0, 1, 2, 3])]
)
def test_periodic_embedding_gradient(variant, columns, loss):
    rng = np.random.default_rng(0)
    X, Y, w = make_problem(loss, rng)
    embedding = PeriodicEmbedding(
        4, columns, n_frequencies=3, embedding_dim=3, frequency_scale=0.4, variant=variant
    )
    net = embedded_network(embedding, 4, N_OUT[loss], rng)
    assert_gradient_matches(net, loss, X, Y, w, Penalties(alpha=0.3, n=w.sum()))


@pytest.mark.parametrize("batch_norm", [False, True])
def test_piecewise_linear_encoding_gradient(batch_norm):
    rng = np.random.default_rng(1)
    X, Y, w = make_problem("squared_error", rng, m=10)
    encoding = PiecewiseLinearEncoding.from_rows(rng.normal(size=(50, 4)), [0, 1, 3], n_bins=4)
    net = embedded_network(encoding, 4, 2, rng, batch_norm=batch_norm)
    assert_gradient_matches(net, "squared_error", X, Y, w, Penalties(alpha=0.3, n=w.sum()))


def test_periodic_forward_against_a_naive_loop():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(5, 4))
    for variant in ("pbld", "plr"):
        layer = PeriodicEmbedding(4, [1, 3], n_frequencies=3, embedding_dim=4, variant=variant)
        Network([layer], np.float64).initialize(rng)
        expected = []
        for row in X:
            values = []
            for f, j in enumerate([1, 3]):
                theta = [2 * np.pi * layer.frequencies[f, i] * row[j] for i in range(3)]
                if variant == "pbld":
                    h = [np.cos(theta[i] + layer.phases[f, i]) for i in range(3)]
                else:
                    h = [np.cos(t) for t in theta] + [np.sin(t) for t in theta]
                L = layer.W[:, f * layer.d_lin : (f + 1) * layer.d_lin]  # column f*d_lin + t
                e = [sum(h[i] * L[i, t] for i in range(len(h))) + layer.b[f, t] for t in range(layer.d_lin)]
                values += [*e, row[j]] if variant == "pbld" else [max(v, 0.0) for v in e]
            expected.append([*values, row[0], row[2]])
        np.testing.assert_allclose(layer.forward_predict(X), expected, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(layer.forward_train(X), expected, rtol=1e-12, atol=1e-14)


def test_piecewise_linear_values_by_hand():
    """Edges [0, 1, 3]: bin 0 is open to the left (no clip below), bin 1 open to the right."""
    layer = PiecewiseLinearEncoding(2, [0], [2])
    layer.edges[...] = [0.0, 1.0, 3.0]
    X = np.array([[-1.0, 7.0], [0.5, 8.0], [2.0, 9.0], [4.0, 10.0]])
    expected = [[-1.0, 0.0, 7.0], [0.5, 0.0, 8.0], [1.0, 0.5, 9.0], [1.0, 1.5, 10.0]]
    np.testing.assert_array_equal(layer.forward_predict(X), expected)
    one_bin = PiecewiseLinearEncoding(1, [0], [1])
    one_bin.edges[...] = [2.0, 4.0]
    np.testing.assert_array_equal(
        one_bin.forward_predict(np.array([[0.0], [3.0], [6.0]])), [[-1.0], [0.5], [2.0]]
    )


def test_piecewise_linear_inner_bins_clip_on_both_sides():
    layer = PiecewiseLinearEncoding(1, [0], [3])
    layer.edges[...] = [0.0, 1.0, 2.0, 4.0]
    X = np.array([[-2.0], [1.5], [5.0]])
    np.testing.assert_array_equal(
        layer.forward_predict(X), [[-2.0, 0.0, 0.0], [1.0, 0.5, 0.0], [1.0, 1.0, 1.5]]
    )


def test_quantile_edges_are_the_inverted_empirical_quantiles_and_respect_weights():
    rng = np.random.default_rng(3)
    x = np.round(rng.normal(size=101), 1)  # repeated values
    naive = np.unique(np.quantile(x, np.linspace(0, 1, 9), method="inverted_cdf"))
    np.testing.assert_array_equal(quantile_edges(x, 8), naive)
    assert quantile_edges(x, 8)[0] == x.min() and quantile_edges(x, 8)[-1] == x.max()
    weights = rng.integers(0, 4, size=101)
    np.testing.assert_array_equal(quantile_edges(x, 8, weights), quantile_edges(np.repeat(x, weights), 8))
    np.testing.assert_array_equal(quantile_edges(np.full(5, 2.5), 4), [2.5, 3.5])


def test_edges_closer_than_the_resolution_count_as_one():
    # One category's cross-fitted target encodings: 1 - 1e-9 and 1 are one value, not a bin
    # (float32, an ONNX export's type, cannot tell them apart); the maximum stays the last edge.
    x = np.r_[np.linspace(0.0, 0.5, 50), np.full(25, 1.0 - 1e-9), np.full(25, 1.0)]
    edges = quantile_edges(x, 8)
    assert edges[-1] == 1.0 and 1.0 - 1e-9 not in edges
    assert np.diff(edges).min() >= EDGE_RESOLUTION * (edges[-1] - edges[0])
    exact = np.unique(np.quantile(x, np.linspace(0, 1, 9), method="inverted_cdf"))
    np.testing.assert_array_equal(edges, np.r_[exact[exact < 1.0 - 1e-6], 1.0])
    # A gap of twice the resolution is still a bin.
    narrow = np.r_[np.zeros(40), np.full(30, 2 * EDGE_RESOLUTION), np.ones(30)]
    np.testing.assert_array_equal(quantile_edges(narrow, 3), [0.0, 2 * EDGE_RESOLUTION, 1.0])


def test_feature_scale_folds_into_the_next_dense_layer():
    rng = np.random.default_rng(4)
    net = Network([FeatureScale(3), *mlp_layers((3, 4, 2), "relu", batch_norm=True)], np.float64)
    net.initialize(rng)
    net.theta += rng.normal(scale=0.5, size=net.theta.size)
    X = rng.normal(size=(6, 3))
    assert net.fold() is not None
    np.testing.assert_allclose(net.forward_predict(X), net.forward_layers(X), rtol=1e-12)
    scale, dense, bn = net.layers[0], net.layers[1], net.layers[2]
    expected = scale.s[:, None] * dense.W * bn.scale_and_shift()[0]  # W' = diag(s) W, then batch norm
    np.testing.assert_allclose(net.folded()[0][0], expected, rtol=1e-12)


@pytest.mark.parametrize("kind", ["pbld", "plr", "ple"])
def test_a_network_that_does_not_fold_predicts_in_chunks_as_layer_by_layer(kind):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(50, 4)).astype(np.float32)
    if kind == "ple":
        first = PiecewiseLinearEncoding.from_rows(X, [0, 2, 3], 6)
    else:
        first = PeriodicEmbedding(4, [0, 2, 3], variant=kind)
    net = Network(
        [first, FeatureScale(first.n_out), *mlp_layers((first.n_out, 8, 8, 3), dropout=0.1)], np.float32
    )
    net.initialize(rng)
    steps = net.prediction_steps()
    assert steps[0] is first and len(steps) == 2 and not hasattr(steps[1], "kind")  # a DenseChain
    expected = net.forward_layers(X)
    # float32, and the folded chain multiplies in another order than the layers: differences of a few
    # units in the last place of the outputs' scale (a wrong chunk or fold would be off by ~1e-1)
    atol = 1e-6 * np.abs(expected).max()
    np.testing.assert_allclose(net.forward_predict(X, chunk=7), expected, rtol=1e-6, atol=atol)
    assert net.forward_predict(X[:0]).shape == (0, 3)


@pytest.mark.parametrize("kind", ["pbld", "plr", "ple"])
def test_state_rebuilds_the_embedding_with_its_bins(kind):
    rng = np.random.default_rng(6)
    X = rng.normal(size=(40, 3))
    if kind == "ple":
        first = PiecewiseLinearEncoding.from_rows(X, [1, 2], 5)
    else:
        first = PeriodicEmbedding(3, [1, 2], n_frequencies=4, embedding_dim=3, variant=kind)
    net = Network([first, FeatureScale(first.n_out), *mlp_layers((first.n_out, 4, 1))], np.float64)
    net.initialize(rng)
    state = net.state()
    assert state["layers"][0]["columns"] == [1, 2] and state["layers"][1]["kind"] == "feature_scale"
    again = Network.from_state(state)
    np.testing.assert_array_equal(again.forward_predict(X), net.forward_predict(X))
    if kind == "ple":
        np.testing.assert_array_equal(again.layers[0].edges, first.edges)


def test_embedding_layers_refuse_wrong_arguments():
    with pytest.raises(ValueError, match=r"columns must be in \[0, 3\)"):
        PeriodicEmbedding(3, [1, 3])
    with pytest.raises(ValueError, match="columns must be distinct increasing indices"):
        PiecewiseLinearEncoding(3, [2, 1], [2, 2])
    with pytest.raises(ValueError, match="embedding_dim must be >= 2 for pbld"):
        PeriodicEmbedding(3, [0], embedding_dim=1, variant="pbld")
    with pytest.raises(ValueError, match="variant must be one of"):
        PeriodicEmbedding(3, [0], variant="pl")
    with pytest.raises(ValueError, match="n_bins must hold one count >= 1 per column"):
        PiecewiseLinearEncoding(3, [0, 1], [4])
