"""Float64 finite-difference checks of every layer, loss and penalty gradient."""

import numpy as np
import pytest

from regtune.nn import (
    ACTIVATIONS,
    LOSSES,
    OUTPUT_ACTIVATIONS,
    Network,
    Penalties,
    full_batch_objective,
    loss_and_dz,
    loss_value,
    output_transform,
)

RTOL = 1e-6


def make_problem(loss, n_out, rng, m=7, n_in=4):
    X = rng.normal(size=(m, n_in))
    if loss == "squared_error":
        Y = rng.normal(size=(m, n_out))
    elif loss == "log_loss":
        Y = rng.integers(0, 2, size=(m, 1)).astype(float)
    else:
        Y = np.eye(n_out)[rng.integers(0, n_out, size=m)]
    w = rng.uniform(0.5, 2.0, size=m)
    return X, Y, w


def fixed_masks(net, m, rng):
    """One fixed dropout mask per dropout layer, scaled as the network's convention says."""
    masks = []
    for layer in net.layers_of("dropout"):
        scale = 1 / (1 - layer.p) if layer.scaling == "inverted" else 1.0
        masks.append((rng.random((m, layer.units)) >= layer.p) * scale)
    return masks


def numeric_gradient(f, theta, eps=1e-6):
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


def assert_gradient_matches(net, loss, X, Y, w, penalties, masks):
    def objective():
        return full_batch_objective(net, loss, X, Y, w, penalties, masks=masks)

    objective()
    analytic = net.grad.copy()
    numeric = numeric_gradient(objective, net.theta)
    scale = np.abs(numeric).max()
    np.testing.assert_allclose(analytic, numeric, rtol=RTOL, atol=RTOL * scale)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("loss", LOSSES)
def test_dense_layers_every_activation_and_loss(activation, loss):
    rng = np.random.default_rng(0)
    n_out = {"squared_error": 2, "log_loss": 1, "cross_entropy": 3}[loss]
    X, Y, w = make_problem(loss, n_out, rng)
    net = Network.mlp((4, 5, 3, n_out), activation, dtype=np.float64)
    net.initialize(rng)
    net.theta += rng.normal(scale=0.1, size=net.theta.size)  # non-zero biases
    assert_gradient_matches(net, loss, X, Y, w, Penalties(n=w.sum()), None)


@pytest.mark.parametrize("scaling", ["inverted", "classic"])
@pytest.mark.parametrize("batch_norm", [False, True])
def test_dropout_and_batch_norm_with_a_fixed_mask(scaling, batch_norm):
    rng = np.random.default_rng(1)
    X, Y, w = make_problem("cross_entropy", 3, rng, m=9)
    net = Network.mlp(
        (4, 6, 5, 3), "tanh", batch_norm=batch_norm, dropout=0.3, dropout_scaling=scaling, dtype=np.float64
    )
    net.initialize(rng)
    net.theta += rng.normal(scale=0.2, size=net.theta.size)  # gamma != 1, beta != 0
    masks = fixed_masks(net, X.shape[0], rng)
    assert_gradient_matches(net, "cross_entropy", X, Y, w, Penalties(n=w.sum()), masks)


def test_batch_norm_alone_relu_regression():
    rng = np.random.default_rng(2)
    X, Y, w = make_problem("squared_error", 2, rng, m=6)
    net = Network.mlp((4, 5, 2), "relu", batch_norm=True, dtype=np.float64)
    net.initialize(rng)
    net.theta += rng.normal(scale=0.2, size=net.theta.size)
    assert_gradient_matches(net, "squared_error", X, Y, w, Penalties(n=w.sum()), None)


def test_l2_penalty_gradient_over_n_not_batch():
    rng = np.random.default_rng(3)
    X, Y, w = make_problem("log_loss", 1, rng)
    net = Network.mlp((4, 3, 1), "logistic", dtype=np.float64)
    net.initialize(rng)
    penalties = Penalties(alpha=0.7, n=w.sum())
    assert_gradient_matches(net, "log_loss", X, Y, w, penalties, None)
    # the penalty part alone: alpha/(2n) ||W||^2 with gradient (alpha/n) W, biases excluded
    full_batch_objective(net, "log_loss", X, Y, w, penalties)
    with_penalty = net.grad.copy()
    full_batch_objective(net, "log_loss", X, Y, w, Penalties(n=w.sum()))
    expected = np.zeros_like(net.theta)
    expected[: net.n_weights] = 0.7 / w.sum() * net.theta[: net.n_weights]
    np.testing.assert_allclose(with_penalty - net.grad, expected, rtol=1e-12, atol=1e-15)


def test_penalty_values_follow_math_md():
    rng = np.random.default_rng(4)
    weights = rng.normal(size=20)
    n = 13.5
    pen = Penalties(alpha=0.3, l1=0.8, n=n)
    expected = 0.3 / (2 * n) * sum(v * v for v in weights) + 0.8 / (2 * n) * sum(abs(v) for v in weights)
    assert pen.value(weights) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("loss", LOSSES)
def test_loss_gradient_and_naive_values(loss):
    rng = np.random.default_rng(5)
    n_out = {"squared_error": 2, "log_loss": 1, "cross_entropy": 4}[loss]
    _, Y, w = make_problem(loss, n_out, rng, m=5)
    z = rng.normal(scale=3, size=(5, n_out))
    naive = []
    for zi, yi in zip(z, Y):
        if loss == "squared_error":
            naive.append(sum(0.5 * (a - b) ** 2 for a, b in zip(yi, zi)))
        elif loss == "log_loss":
            p = 1 / (1 + np.exp(-zi[0]))
            naive.append(-yi[0] * np.log(p) - (1 - yi[0]) * np.log(1 - p))
        else:
            p = np.exp(zi) / np.exp(zi).sum()
            naive.append(-np.log(p[yi.argmax()]))
    np.testing.assert_allclose(loss_value(loss, z, Y), naive, rtol=1e-12)

    total, dz = loss_and_dz(loss, z.copy(), Y, w, 0.5)
    assert total == pytest.approx(float(np.dot(naive, w)), rel=1e-12)
    flat = z.ravel()
    numeric = numeric_gradient(lambda: 0.5 * float(loss_value(loss, flat.reshape(z.shape), Y) @ w), flat)
    np.testing.assert_allclose(dz.ravel(), numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("loss", LOSSES)
def test_output_activation_names_the_link_of_each_loss(loss):
    """OUTPUT_ACTIVATIONS (what the estimators report as out_activation_) is the link that
    output_transform applies, and the one whose gradient is yhat - y."""
    z = np.random.default_rng(6).normal(size=(4, 3 if loss == "cross_entropy" else 1))
    link = {
        "identity": lambda v: v,
        "logistic": lambda v: 1 / (1 + np.exp(-v)),
        "softmax": lambda v: np.exp(v) / np.exp(v).sum(axis=1, keepdims=True),
    }[OUTPUT_ACTIVATIONS[loss]]
    np.testing.assert_allclose(output_transform(loss, z), link(z), rtol=1e-12)
    Y = np.zeros_like(z)
    np.testing.assert_allclose(loss_and_dz(loss, z.copy(), Y, None, 1.0)[1], link(z), rtol=1e-12)
