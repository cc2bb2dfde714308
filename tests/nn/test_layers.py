"""The layer protocol: flat-vector layout, folding against layer-by-layer prediction, saved state,
and a layer kind the network does not know (written here as a new kind would be)."""

import numpy as np
import pytest

from regtune.nn import (
    BN_EPS,
    LAYER_KINDS,
    Dense,
    Layer,
    Network,
    Param,
    Penalties,
    full_batch_objective,
    layer_from_state,
    mlp_layers,
)


class ToyScale(Layer):
    """out = a * s + t per unit (s penalized only to test the layout; a real scaling layer decides).

    Shape: a (m, units) -> (m, units).
    """

    kind = "toy_scale"

    def __init__(self, units):
        super().__init__()
        self.units = units

    def params(self):
        return (Param("s", (1, self.units), True), Param("t", (self.units,), False))

    def config(self):
        return {"units": self.units}

    def initialize(self, rng):
        self.s[...] = rng.uniform(0.5, 1.5, size=self.s.shape)
        self.t[...] = 0.0

    def forward_train(self, a, update_stats=True):
        self._a = a
        return a * self.s + self.t

    def backward(self, d_out, need_d_in=True):
        np.einsum("ij,ij->j", d_out, self._a, out=self.ds[0])
        d_out.sum(axis=0, out=self.dt)
        return d_out * self.s if need_d_in else None

    def forward_predict(self, a, rng=None):
        return a * self.s + self.t


def toy_network(dtype=np.float64):
    return Network([ToyScale(4), *mlp_layers((4, 5, 2), "tanh", batch_norm=True)], dtype)


def test_penalized_weights_come_first_in_layer_order():
    net = toy_network()
    dense = net.layers_of("dense")
    net.theta[...] = np.arange(net.theta.size)
    expected = np.concatenate([net.layers[0].s.ravel(), dense[0].W.ravel(), dense[1].W.ravel()])
    np.testing.assert_array_equal(net.weights, expected)
    assert net.n_weights == 4 + 4 * 5 + 5 * 2
    assert [W.shape for W in net.weight_matrices] == [(1, 4), (4, 5), (5, 2)]
    assert np.shares_memory(dense[0].dW, net.grad[: net.n_weights])


def test_a_new_layer_kind_trains_through_the_network():
    """Float64 finite differences of J through an unknown kind in front of dense + batch norm."""
    rng = np.random.default_rng(0)
    X, Y, w = rng.normal(size=(7, 4)), rng.normal(size=(7, 2)), rng.uniform(0.5, 2.0, size=7)
    net = toy_network()
    net.initialize(rng)
    net.theta += rng.normal(scale=0.1, size=net.theta.size)
    penalties = Penalties(alpha=0.3, n=w.sum())

    def objective():
        return full_batch_objective(net, "squared_error", X, Y, w, penalties)

    objective()
    analytic, numeric = net.grad.copy(), np.empty_like(net.theta)
    for i in range(net.theta.size):
        old = net.theta[i]
        net.theta[i] = old + 1e-6
        up = objective()
        net.theta[i] = old - 1e-6
        numeric[i] = (up - objective()) / 2e-6
        net.theta[i] = old
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-6 * np.abs(numeric).max())


def test_a_layer_that_does_not_fold_predicts_layer_by_layer():
    rng = np.random.default_rng(1)
    net = toy_network()
    net.initialize(rng)
    net.theta += rng.normal(scale=0.3, size=net.theta.size)
    net.forward_train(rng.normal(size=(8, 4)))  # running statistics move away from 0 and 1
    assert net.fold() is None
    with pytest.raises(ValueError, match="do not fold into dense steps"):
        net.folded()
    toy, dense, bn = net.layers[0], net.layers_of("dense"), net.layers_of("batch_norm")[0]
    X = rng.normal(size=(6, 4))
    z = (X * toy.s + toy.t) @ dense[0].W
    h = np.tanh(bn.gamma * (z - bn.running_mean) / np.sqrt(bn.running_var + BN_EPS) + bn.beta)
    np.testing.assert_allclose(net.forward_predict(X), h @ dense[1].W + dense[1].b, rtol=1e-12)


@pytest.mark.parametrize("scaling", ["inverted", "classic"])
@pytest.mark.parametrize("batch_norm", [False, True])
def test_folded_prediction_equals_layer_by_layer_prediction(scaling, batch_norm):
    rng = np.random.default_rng(2)
    net = Network.mlp(
        (3, 6, 5, 2), "tanh", batch_norm=batch_norm, dropout=0.3, dropout_scaling=scaling, dtype=np.float64
    )
    net.initialize(rng)
    net.theta += rng.normal(scale=0.3, size=net.theta.size)
    for bn in net.layers_of("batch_norm"):
        bn.running_mean[...] = rng.normal(size=bn.units)
        bn.running_var[...] = rng.uniform(0.5, 2.0, size=bn.units)
    X = rng.normal(size=(7, 3))
    np.testing.assert_allclose(net.forward_predict(X), net.forward_layers(X), rtol=1e-12)
    assert len(net.folded()) == 3


def test_state_is_plain_data_and_rebuilds_the_same_network():
    rng = np.random.default_rng(3)
    net = Network.mlp((3, 4, 2), "relu", batch_norm=True, dropout=0.2, dropout_scaling="classic")
    net.initialize(rng)
    net.forward_train(rng.normal(size=(5, 3)).astype(np.float32), rng=rng)
    state = net.state()
    assert [layer["kind"] for layer in state["layers"]] == [
        "dense",
        "batch_norm",
        "activation",
        "dropout",
        "dense",
    ]
    assert state["layers"][1]["momentum"] == 0.9 and state["dtype"] == "float32"
    again = Network.from_state(state)
    np.testing.assert_array_equal(again.theta, net.theta)
    np.testing.assert_array_equal(again.layers[1].running_var, net.layers[1].running_var)
    X = rng.normal(size=(4, 3)).astype(np.float32)
    np.testing.assert_array_equal(again.forward_predict(X), net.forward_predict(X))
    state["theta"][0] += 1  # the state holds copies
    assert again.theta[0] != state["theta"][0] and net.theta[0] != state["theta"][0]


def test_unknown_kind_and_registry():
    assert set(LAYER_KINDS) == {
        "dense",
        "batch_norm",
        "activation",
        "dropout",
        "feature_scale",
        "periodic_embedding",
        "piecewise_linear_encoding",
        "member_adapter",
        "member_head",
    }
    assert isinstance(layer_from_state({"kind": "dense", "n_in": 2, "n_out": 3}), Dense)
    with pytest.raises(ValueError, match=r"layer kind must be one of .*got 'toy_scale'"):
        layer_from_state(ToyScale(2).to_state())


def test_load_parameters_refuses_another_layout():
    small = Network.mlp((3, 4, 1), batch_norm=True)
    other = Network.mlp((3, 4, 1))
    with pytest.raises(ValueError, match="parameter layouts differ"):
        small.load_parameters(other)
