"""Optimizers, schedules and the step-wise penalties against naive reference loops."""

import math

import numpy as np
import pytest

from regtune.nn import SGD, Adam, Network, Penalties, cosine_schedule


def gradients(rng, steps, size):
    return [rng.normal(size=size) for _ in range(steps)]


def test_adam_matches_the_textbook_loop():
    rng = np.random.default_rng(0)
    theta0 = rng.normal(size=6)
    grads = gradients(rng, 5, 6)
    lr, b1, b2, eps = 0.01, 0.8, 0.99, 1e-6
    opt, theta = Adam(6, np.float64, b1, b2, eps), theta0.copy()
    ref = theta0.copy()
    m = v = np.zeros(6)
    for t, g in enumerate(grads, start=1):
        opt.step(theta, g, lr)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        # scikit-learn's placement of epsilon: added to sqrt(v), not to sqrt(v_hat)
        ref = ref - lr * m_hat / (np.sqrt(v_hat) + eps / math.sqrt(1 - b2**t))
    np.testing.assert_allclose(theta, ref, rtol=1e-12)


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum_matches_the_textbook_loop(nesterov):
    rng = np.random.default_rng(1)
    theta0 = rng.normal(size=5)
    grads = gradients(rng, 4, 5)
    opt, theta, ref, vel = SGD(5, np.float64, 0.7, nesterov), theta0.copy(), theta0.copy(), 0
    for g in grads:
        opt.step(theta, g, 0.1)
        vel = 0.7 * vel - 0.1 * g
        ref = ref + (0.7 * vel - 0.1 * g if nesterov else vel)
    np.testing.assert_allclose(theta, ref, rtol=1e-12)


def test_decoupled_weight_decay_is_scaled_by_the_scheduled_learning_rate():
    net = Network.mlp((3, 2, 1), dtype=np.float64)
    net.initialize(np.random.default_rng(2))
    before = net.theta.copy()
    eta = cosine_schedule(0.1, 3, 10)
    Penalties(weight_decay=0.5).decay(net.weights, eta)
    np.testing.assert_allclose(net.weights, before[: net.n_weights] * (1 - eta * 0.5), rtol=1e-14)
    np.testing.assert_array_equal(net.theta[net.n_weights :], before[net.n_weights :])


def test_proximal_l1_step_is_the_exact_minimizer():
    """prox(v) = argmin_w (1/(2 eta)) (w - v)^2 + (l1/(2n)) |w|, checked on a fine grid."""
    rng = np.random.default_rng(3)
    net = Network.mlp((4, 3, 1), dtype=np.float64)
    net.initialize(rng)
    net.theta[...] = rng.normal(scale=0.5, size=net.theta.size)
    v = net.theta.copy()
    eta, l1, n = 0.2, 3.0, 2.0
    Penalties(l1=l1, n=n).project(net, eta)
    grid = np.linspace(-3, 3, 600001)
    for got, vi in zip(net.weights, v[: net.n_weights]):
        objective = (grid - vi) ** 2 / (2 * eta) + l1 / (2 * n) * np.abs(grid)
        assert got == pytest.approx(grid[objective.argmin()], abs=2e-5)
    assert np.any(net.weights == 0.0)  # exact zeros, not small numbers
    np.testing.assert_array_equal(net.theta[net.n_weights :], v[net.n_weights :])


def test_max_norm_clips_each_units_incoming_weights():
    rng = np.random.default_rng(4)
    net = Network.mlp((5, 4, 2), dtype=np.float64)
    net.theta[...] = rng.normal(size=net.theta.size)
    dense_weights = [layer.W for layer in net.layers_of("dense")]
    before = [W.copy() for W in dense_weights]
    Penalties(max_norm=1.2).project(net, 0.1)
    for W, W0 in zip(dense_weights, before):
        for j in range(W.shape[1]):
            norm = np.sqrt(sum(x * x for x in W0[:, j]))
            expected = W0[:, j] * (1.2 / norm if norm > 1.2 else 1.0)
            np.testing.assert_allclose(W[:, j], expected, rtol=1e-12)


def test_cosine_schedule():
    assert cosine_schedule(0.1, 0, 10) == pytest.approx(0.1)
    assert cosine_schedule(0.1, 5, 10) == pytest.approx(0.05)
    assert cosine_schedule(0.1, 10, 10) == pytest.approx(0.0, abs=1e-15)
