"""Label smoothing (values, float64 finite differences), data-dependent initialization (its defining
properties) and the dropout layer's settable ``p``."""

import numpy as np
import pytest

from regtune.nn import (
    Dropout,
    Network,
    Penalties,
    full_batch_objective,
    initialize_from_data,
    loss_and_dz,
    loss_value,
    smooth_labels,
)


def test_smoothed_labels_by_hand():
    onehot = np.eye(3)[[0, 2]]
    np.testing.assert_allclose(
        smooth_labels("cross_entropy", onehot, 0.3), [[0.8, 0.1, 0.1], [0.1, 0.1, 0.8]], rtol=1e-15
    )
    binary = np.array([[1.0], [0.0]])
    np.testing.assert_allclose(smooth_labels("log_loss", binary, 0.2), [[0.9], [0.1]], rtol=1e-15)
    np.testing.assert_array_equal(smooth_labels("log_loss", binary, 0.0), binary)
    with pytest.raises(ValueError, match=r"label_smoothing must be in \[0, 1\), got 1.0"):
        smooth_labels("log_loss", binary, 1.0)
    with pytest.raises(ValueError, match="needs a classification loss"):
        smooth_labels("squared_error", binary, 0.1)


@pytest.mark.parametrize(("loss", "k"), [("log_loss", 1), ("cross_entropy", 4)])
def test_smoothed_loss_is_the_cross_entropy_with_soft_targets(loss, k):
    rng = np.random.default_rng(0)
    z = rng.normal(scale=2, size=(6, k))
    labels = rng.integers(0, 2 if k == 1 else k, size=6)
    Y = labels[:, None].astype(float) if k == 1 else np.eye(k)[labels]
    soft = smooth_labels(loss, Y, 0.15)
    if k == 1:
        p = 1 / (1 + np.exp(-z[:, 0]))
        naive = -(soft[:, 0] * np.log(p) + (1 - soft[:, 0]) * np.log(1 - p))
    else:
        p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        naive = -(soft * np.log(p)).sum(axis=1)
    np.testing.assert_allclose(loss_value(loss, z, soft), naive, rtol=1e-12)


def _numeric_gradient(f, theta, eps=1e-6):
    grad = np.empty_like(theta)
    for i in range(theta.size):
        old = theta[i]
        theta[i] = old + eps
        up = f()
        theta[i] = old - eps
        down = f()
        theta[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad


@pytest.mark.parametrize(("loss", "k"), [("log_loss", 1), ("cross_entropy", 3)])
def test_smoothed_loss_gradient_by_finite_differences(loss, k):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(8, 4))
    labels = rng.integers(0, 2 if k == 1 else k, size=8)
    Y = smooth_labels(loss, labels[:, None].astype(float) if k == 1 else np.eye(k)[labels], 0.2)
    w = rng.uniform(0.5, 2.0, size=8)
    net = Network.mlp((4, 5, k), "tanh", dtype=np.float64)
    net.initialize(rng)
    net.theta += rng.normal(scale=0.1, size=net.theta.size)
    penalties = Penalties(alpha=0.3, n=w.sum())

    def objective():
        return full_batch_objective(net, loss, X, Y, w, penalties)

    objective()
    analytic = net.grad.copy()
    numeric = _numeric_gradient(objective, net.theta)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-6 * np.abs(numeric).max())
    # and the loss's own gradient with respect to the logits is yhat - y_smoothed
    z = rng.normal(size=(8, k))
    _, dz = loss_and_dz(loss, z.copy(), Y, None, 1.0)
    flat = z.ravel()
    numeric_z = _numeric_gradient(lambda: float(loss_value(loss, flat.reshape(z.shape), Y).sum()), flat)
    np.testing.assert_allclose(dz.ravel(), numeric_z, rtol=1e-7, atol=1e-9)


def _pre_activations(net, X):
    """Each hidden dense layer's (with batch norm: its batch norm's) training-mode output on ``X``."""
    out, a = [], X
    dense = net.layers_of("dense")
    for layer in net.layers:
        a = layer.forward_train(a, update_stats=False).copy()
        if (layer.kind == "dense" and layer is not dense[-1] and layer.bias) or layer.kind == "batch_norm":
            out.append(a.copy())
    return out


@pytest.mark.parametrize("batch_norm", [False, True])
def test_data_init_unit_variance_and_a_kink_inside_the_data(batch_norm):
    rng = np.random.default_rng(2)
    X = rng.normal(loc=50.0, scale=[1e-3, 1.0, 1e3], size=(300, 3))  # badly scaled inputs
    net = Network.mlp((3, 16, 16, 2), batch_norm=batch_norm, dtype=np.float64)
    net.initialize(np.random.default_rng(3))
    glorot = net.theta.copy()
    out_W = net.layers_of("dense")[-1].W.copy()
    initialize_from_data(net, X, np.random.default_rng(4))
    hidden = net.layers_of("dense")[:-1]
    for layer, before in zip(
        hidden, [glorot[: 3 * 16].reshape(3, 16), glorot[48 : 48 + 256].reshape(16, 16)]
    ):
        ratio = layer.W / before  # each column only rescaled by a positive factor
        np.testing.assert_allclose(ratio, np.broadcast_to(ratio[0], ratio.shape), rtol=1e-10)
        assert (ratio > 0).all()
    for z in _pre_activations(net, X):
        if not batch_norm:  # the dense layer's output: unit standard deviation on the data
            np.testing.assert_allclose(z.std(axis=0), 1.0, rtol=1e-10)
        # each unit is zero somewhere inside the data: positive on some rows, negative on others
        assert (z.min(axis=0) < 0).all() and (z.max(axis=0) > 0).all()
    np.testing.assert_array_equal(net.layers_of("dense")[-1].W, out_W)  # the output layer keeps its init
    if batch_norm:
        for bn in net.layers_of("batch_norm"):
            np.testing.assert_array_equal(bn.gamma, 1.0)
            assert np.all(bn.beta != 0)


def test_data_init_kink_is_a_mixture_of_training_rows():
    """With one training row, every mixture is that row: every unit's pre-activation there is 0."""
    X = np.array([[1.0, -2.0], [1.0, -2.0]])
    net = Network.mlp((2, 6, 1), dtype=np.float64)
    net.initialize(np.random.default_rng(5))
    initialize_from_data(net, X, np.random.default_rng(6))
    dense = net.layers_of("dense")[0]
    np.testing.assert_allclose(X[:1] @ dense.W + dense.b, 0.0, atol=1e-12)


def test_data_init_weights_rows_and_ignores_rows_of_weight_zero():
    rng = np.random.default_rng(10)
    X = rng.normal(size=(50, 3))
    w = rng.uniform(0.1, 3.0, size=50)
    outlier = np.vstack([X, [[1e6, -1e6, 1e6]]])
    nets = []
    for data, weights in ((X, w), (outlier, np.append(w, 0.0))):
        net = Network.mlp((3, 8, 1), dtype=np.float64)
        net.initialize(np.random.default_rng(11))
        initialize_from_data(net, data, np.random.default_rng(12), sample_weight=weights)
        nets.append(net)
    np.testing.assert_array_equal(nets[0].theta, nets[1].theta)  # the weight-0 row changes nothing
    dense = nets[0].layers_of("dense")[0]
    z = X @ dense.W
    weighted_std = np.sqrt(np.average((z - np.average(z, axis=0, weights=w)) ** 2, axis=0, weights=w))
    np.testing.assert_allclose(weighted_std, 1.0, rtol=1e-12)


def test_data_init_uses_at_most_max_rows_and_the_networks_dtype():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(5000, 4)).astype(np.float32)
    net = Network.mlp((4, 8, 1), dtype=np.float32)
    net.initialize(rng)
    initialize_from_data(net, X, np.random.default_rng(8), max_rows=100)
    z = X @ net.layers_of("dense")[0].W
    assert z.std(axis=0).min() > 0.8 and z.std(axis=0).max() < 1.2  # unit variance on a 100-row sample
    assert net.theta.dtype == np.float32 and np.isfinite(net.theta).all()


def test_dropout_p_is_settable_and_prediction_uses_the_current_p():
    layer = Dropout(4, 0.5, "classic")
    layer.set_p(0.2)
    assert (layer.p, layer.train_scale) == (0.2, 1.0)
    np.testing.assert_allclose(layer.forward_predict(np.ones((1, 4))), 0.8)
    inverted = Dropout(4, 0.5)
    inverted.set_p(0.0)
    assert inverted.train_scale == 1.0 and inverted.config()["p"] == 0.0
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\), got 1.0"):
        inverted.set_p(1.0)
    net = Network.mlp((3, 4, 1), dropout=0.5, dropout_scaling="classic", dtype=np.float64)
    net.initialize(np.random.default_rng(9))
    net.layers_of("dropout")[0].set_p(0.0)
    folded = net.folded()
    np.testing.assert_array_equal(folded[1][0], net.layers_of("dense")[1].W)  # 1 - 0: nothing folded
