"""The lecture's identities (MATH.md sections 2-4), each against a naive computation."""

import itertools
import sys

import numpy as np
import pytest

from regtune.nn import BN_EPS, Network, Penalties, Trainer, draw_keep_mask, forward_dense


def regression_data(rng, m=24, n_in=3):
    X = rng.normal(size=(m, n_in))
    Y = X @ rng.normal(size=(n_in, 1)) + rng.normal(scale=0.1, size=(m, 1))
    return X, Y


def trainer(net, X, Y, w, penalties, seed, batch_size=5, solver="sgd", **opt):
    opt = opt or {"momentum": 0.0, "nesterov": False}
    return Trainer(
        net, "squared_error", X, Y, w, penalties, solver, batch_size, True, np.random.default_rng(seed), opt
    )


def test_sgd_with_l2_follows_the_weight_decay_trajectory():
    """W <- W - eta (dW + lam/n W) equals W (1 - eta lam/n) - eta dW, step after step."""
    rng = np.random.default_rng(0)
    X, Y = regression_data(rng)
    w = rng.uniform(0.5, 2.0, size=X.shape[0])
    n, lam, eta = w.sum(), 3.0, 0.05
    nets = [Network.mlp((3, 4, 1), "tanh", dtype=np.float64) for _ in range(2)]
    for net in nets:
        net.initialize(np.random.default_rng(1))
    start = nets[0].theta.copy()
    coupled = trainer(nets[0], X, Y, w, Penalties(alpha=lam, n=n), seed=2)
    decoupled = trainer(nets[1], X, Y, w, Penalties(weight_decay=lam / n, n=n), seed=2)
    for _ in range(5):
        coupled.epoch(eta)
        decoupled.epoch(eta)
        np.testing.assert_allclose(nets[0].theta, nets[1].theta, rtol=1e-12, atol=1e-14)
    assert np.abs(nets[0].theta - start).max() > 1e-2  # the weights did move


def test_one_full_batch_sgd_step_is_the_gradient_of_j():
    """With sample weights, batch = all rows: theta <- theta - eta * grad J exactly."""
    from regtune.nn import full_batch_objective

    rng = np.random.default_rng(3)
    X, Y = regression_data(rng, m=10)
    w = rng.uniform(0.5, 2.0, size=10)
    net = Network.mlp((3, 4, 1), "relu", dtype=np.float64)
    net.initialize(rng)
    pen = Penalties(alpha=0.5, n=w.sum())
    full_batch_objective(net, "squared_error", X, Y, w, pen)
    expected = net.theta - 0.1 * net.grad
    trainer(net, X, Y, w, pen, seed=0, batch_size=10).epoch(0.1)
    np.testing.assert_allclose(net.theta, expected, rtol=1e-12)


def test_inverted_dropout_keeps_the_expected_activation():
    net = Network.mlp((2, 200, 1), dropout=0.2, dtype=np.float64)
    masks = np.stack([net.draw_masks(50, np.random.default_rng(s))[0].copy() for s in range(40)])
    assert set(np.unique(masks)) == {0.0, 1 / 0.8}  # the lecture's 100/80
    # E[mask] = (1 - p) / (1 - p) = 1; the mean of 400,000 draws is within 4 standard errors
    se = np.sqrt(0.2 / 0.8) / np.sqrt(masks.size)
    assert abs(masks.mean() - 1.0) < 4 * se
    assert abs((masks == 0).mean() - 0.2) < 4 * np.sqrt(0.2 * 0.8 / masks.size)


@pytest.mark.parametrize("scaling", ["inverted", "classic"])
@pytest.mark.parametrize("activation", ["identity", "relu"])
def test_prediction_equals_the_exact_expected_training_output(scaling, activation):
    """Enumerate all 2**4 masks of a 4-unit hidden layer: the probability-weighted mean of the
    training output equals the prediction (classic: outgoing weights times 1 - p)."""
    rng = np.random.default_rng(4)
    p = 0.3
    net = Network.mlp((3, 4, 2), activation, dropout=p, dropout_scaling=scaling, dtype=np.float64)
    net.initialize(rng)
    net.theta += rng.normal(scale=0.1, size=net.theta.size)
    X = rng.normal(size=(5, 3))
    expected = np.zeros((5, 2))
    scale = 1 / (1 - p) if scaling == "inverted" else 1.0
    for keep in itertools.product([0, 1], repeat=4):
        keep = np.array(keep, dtype=float)
        prob = np.prod(np.where(keep == 1, 1 - p, p))
        mask = np.tile(keep * scale, (5, 1))
        expected += prob * net.forward_train(X, masks=[mask]).copy()
    np.testing.assert_allclose(net.forward_predict(X), expected, rtol=1e-12)


def test_batch_norm_running_statistics_two_batches():
    """Two batches: run_mean = 0.9*(0.9*0 + 0.1*mu1) + 0.1*mu2, variance unbiased."""
    rng = np.random.default_rng(5)
    net = Network.mlp((3, 4, 1), batch_norm=True, dtype=np.float64)
    dense = net.layers_of("dense")
    bn = net.layers_of("batch_norm")[0]
    net.initialize(rng)
    X1, X2 = rng.normal(size=(6, 3)), rng.normal(loc=2.0, size=(9, 3))
    z1, z2 = X1 @ dense[0].W, X2 @ dense[0].W  # no bias before batch norm
    net.forward_train(X1)
    net.forward_train(X2)
    mu1, mu2 = z1.mean(axis=0), z2.mean(axis=0)
    np.testing.assert_allclose(bn.running_mean, 0.9 * (0.9 * 0 + 0.1 * mu1) + 0.1 * mu2, rtol=1e-12)
    v1, v2 = z1.var(axis=0, ddof=1), z2.var(axis=0, ddof=1)
    np.testing.assert_allclose(bn.running_var, 0.9 * (0.9 * 1 + 0.1 * v1) + 0.1 * v2, rtol=1e-12)
    assert dense[0].b is None


def test_batch_norm_training_forward_against_a_naive_loop():
    rng = np.random.default_rng(6)
    net = Network.mlp((3, 4, 1), "identity", batch_norm=True, dtype=np.float64)
    dense = net.layers_of("dense")
    bn = net.layers_of("batch_norm")[0]
    net.initialize(rng)
    bn.gamma[...] = rng.uniform(0.5, 2, size=4)
    bn.beta[...] = rng.normal(size=4)
    X = rng.normal(size=(7, 3))
    out = net.forward_train(X).copy()
    hidden = np.empty((7, 4))
    for j in range(4):
        z = [sum(X[i, k] * dense[0].W[k, j] for k in range(3)) for i in range(7)]
        mu = sum(z) / 7
        var = sum((v - mu) ** 2 for v in z) / 7
        for i in range(7):
            hidden[i, j] = bn.gamma[j] * (z[i] - mu) / np.sqrt(var + BN_EPS) + bn.beta[j]
    np.testing.assert_allclose(out, hidden @ dense[1].W + dense[1].b, rtol=1e-12)


def test_prediction_folds_batch_norm_with_running_statistics():
    rng = np.random.default_rng(7)
    net = Network.mlp((3, 4, 2), "relu", batch_norm=True, dtype=np.float64)
    dense = net.layers_of("dense")
    bn = net.layers_of("batch_norm")[0]
    net.initialize(rng)
    bn.gamma[...] = rng.uniform(0.5, 2, size=4)
    bn.beta[...] = rng.normal(size=4)
    bn.running_mean[...] = rng.normal(size=4)
    bn.running_var[...] = rng.uniform(0.5, 2, size=4)
    X = rng.normal(size=(5, 3))
    z = X @ dense[0].W
    h = np.maximum(bn.gamma * (z - bn.running_mean) / np.sqrt(bn.running_var + BN_EPS) + bn.beta, 0)
    np.testing.assert_allclose(net.forward_predict(X), h @ dense[1].W + dense[1].b, rtol=1e-12)


def test_a_last_batch_of_one_row_is_merged_with_batch_norm():
    rng = np.random.default_rng(8)
    X, Y = regression_data(rng, m=11)
    net = Network.mlp((3, 4, 1), batch_norm=True, dtype=np.float64)
    assert trainer(net, X, Y, None, Penalties(n=11), 0, batch_size=5).batches == [(0, 5), (5, 11)]
    plain = Network.mlp((3, 4, 1), dtype=np.float64)
    assert trainer(plain, X, Y, None, Penalties(n=11), 0, batch_size=5).batches[-1] == (10, 11)


def test_chunked_prediction_equals_one_product():
    rng = np.random.default_rng(9)
    net = Network.mlp((3, 5, 4, 2), "relu", batch_norm=True, dtype=np.float64)
    net.initialize(rng)
    X = rng.normal(size=(23, 3))
    folded = net.folded()
    h = np.maximum(X @ folded[0][0] + folded[0][1], 0)
    h = np.maximum(h @ folded[1][0] + folded[1][1], 0)
    expected = h @ folded[2][0] + folded[2][1]
    for chunk in (1, 4, 23, 1000):
        np.testing.assert_allclose(forward_dense(X, folded, "relu", chunk=chunk), expected, rtol=1e-12)


def test_batch_norm_batches_have_at_least_two_rows():
    """batch_size=1 with batch norm trains on pairs (a last single row joins the pair before)."""
    rng = np.random.default_rng(10)
    X, Y = regression_data(rng, m=7)
    net = Network.mlp((3, 4, 1), batch_norm=True, dtype=np.float64)
    assert trainer(net, X, Y, None, Penalties(n=7), 0, batch_size=1).batches == [(0, 2), (2, 4), (4, 7)]
    with pytest.raises(ValueError, match="batch norm needs at least 2 rows per training batch, got 1"):
        net.forward_train(X[:1])


def test_dropout_mask_against_a_naive_loop_over_random_bits():
    """Entry k keeps iff 32-bit half k of the generator's 64-bit draws >= round(p * 2**32)."""
    p, shape = 0.3, (3, 5)  # an odd number of entries: half of the last draw is unused
    mask = draw_keep_mask(np.random.default_rng(11), p, 2.0, np.empty(shape))
    words = np.random.default_rng(11).integers(0, 2**64 - 1, size=8, dtype=np.uint64, endpoint=True)
    threshold = round(p * 2**32)
    expected = []
    for k in range(15):
        shift = 32 * (k % 2) if sys.byteorder == "little" else 32 * (1 - k % 2)
        half = (int(words[k // 2]) >> shift) & 0xFFFFFFFF
        expected.append(2.0 if half >= threshold else 0.0)
    np.testing.assert_array_equal(mask.ravel(), expected)


@pytest.mark.parametrize("bit_generator", [np.random.PCG64, np.random.MT19937])
@pytest.mark.parametrize("p", [0.05, 0.5])
def test_dropout_masks_drop_independently_with_probability_p(bit_generator, p):
    """Drop rate, and both halves of one 64-bit draw (neighbouring entries) independent."""
    rng = np.random.Generator(bit_generator(12))
    keep = draw_keep_mask(rng, p, 1.0, np.empty((1000, 400), np.float32)) == 1
    n = keep.size
    assert abs((~keep).mean() - p) < 4 * np.sqrt(p * (1 - p) / n)
    both = keep[:, 0::2] & keep[:, 1::2]
    q = (1 - p) ** 2
    assert abs(both.mean() - q) < 4 * np.sqrt(q * (1 - q) / both.size)
