"""The k-member network (TabM-mini): finite-difference gradients, the objective and the
prediction against k separate networks computed here member by member, and the mask rows."""

import numpy as np
import pytest
from scipy.special import expit, softmax

from regtune.nn import (
    LOSSES,
    OUTPUT_ACTIVATIONS,
    MemberAdapter,
    MemberHead,
    Network,
    Penalties,
    full_batch_objective,
    loss_value,
    mean_output_logits,
    mlp_layers,
    output_transform,
)

K = 3
N_OUT = {"squared_error": 2, "log_loss": 1, "cross_entropy": 3}


def make_problem(loss, rng, m=8):
    X = rng.normal(size=(m, 4))
    if loss == "squared_error":
        Y = rng.normal(size=(m, 2))
    elif loss == "log_loss":
        Y = rng.integers(0, 2, size=(m, 1)).astype(float)
    else:
        Y = np.eye(3)[rng.integers(0, 3, size=m)]
    return X, Y, rng.uniform(0.5, 2.0, size=m)


def assert_gradient_matches(net, loss, X, Y, w, penalties, masks=None):
    """Float64 central differences of the full-batch objective against ``net.grad``."""

    def objective():
        return full_batch_objective(net, loss, X, Y, w, penalties, masks=masks)

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


def member_network(loss, rng, dropout=0.0, batch_norm=False, init="normal"):
    hidden = mlp_layers((4, 5, 6, N_OUT[loss]), "tanh", dropout=dropout, batch_norm=batch_norm)
    out = hidden.pop()
    layers = [
        MemberAdapter(4, K, init),
        *hidden,
        MemberHead(out.n_in, out.n_out, K, OUTPUT_ACTIVATIONS[loss]),
    ]
    net = Network(layers, np.float64)
    net.initialize(rng)
    net.theta += rng.normal(scale=0.2, size=net.theta.size)
    return net


def naive_member_logits(net, X):
    """Each member's logits by its own pass: the input times r_i, the shared layers, head i."""
    adapter, head, shared = net.layers[0], net.layers[-1], net.layers[1:-1]
    members = []
    for i in range(K):
        a = X * adapter.r[i]
        for layer in shared:
            a = layer.forward_predict(a)
        W_i = head.W[:, i * head.n_out : (i + 1) * head.n_out]
        members.append(a @ W_i + head.b[i])
    return np.stack(members)


@pytest.mark.parametrize("loss", LOSSES)
def test_k_member_gradient_every_loss(loss):
    rng = np.random.default_rng(0)
    X, Y, w = make_problem(loss, rng)
    net = member_network(loss, rng)
    assert_gradient_matches(net, loss, X, Y, w, Penalties(alpha=0.4, n=w.sum()))


def test_k_member_gradient_with_dropout_and_batch_norm():
    rng = np.random.default_rng(1)
    X, Y, w = make_problem("cross_entropy", rng, m=9)
    net = member_network("cross_entropy", rng, dropout=0.3, batch_norm=True)
    masks = [(rng.random((K * 9, layer.units)) >= 0.3) / 0.7 for layer in net.layers_of("dropout")]
    assert_gradient_matches(net, "cross_entropy", X, Y, w, Penalties(n=w.sum()), masks)


@pytest.mark.parametrize("loss", LOSSES)
def test_the_objective_is_the_mean_of_the_members_losses(loss):
    rng = np.random.default_rng(2)
    X, Y, w = make_problem(loss, rng)
    net = member_network(loss, rng)
    members = naive_member_logits(net, X)
    mean_loss = np.mean([loss_value(loss, z, Y) for z in members], axis=0)
    expected = float(mean_loss @ w) / w.sum()
    assert full_batch_objective(net, loss, X, Y, w, Penalties(n=w.sum())) == pytest.approx(
        expected, rel=1e-12
    )


@pytest.mark.parametrize("loss", LOSSES)
def test_prediction_is_the_mean_of_the_members_outputs(loss):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(7, 4))
    net = member_network(loss, rng)
    link = {"squared_error": lambda z: z, "log_loss": expit, "cross_entropy": lambda z: softmax(z, axis=1)}[
        loss
    ]
    expected = np.mean([link(z) for z in naive_member_logits(net, X)], axis=0)
    np.testing.assert_allclose(output_transform(loss, net.forward_predict(X)), expected, rtol=1e-12)
    np.testing.assert_allclose(net.forward_predict(X, chunk=3), net.forward_layers(X), rtol=1e-12)


def test_mean_output_logits_stay_finite_for_extreme_logits():
    z = np.array([[[800.0, -5.0]], [[-800.0, 3.0]]])  # (k=2, m=1, 2)
    binary = mean_output_logits("logistic", z[:, :, :1])
    assert np.isfinite(binary).all() and expit(binary)[0, 0] == pytest.approx(0.5)
    multi = mean_output_logits("softmax", z)
    np.testing.assert_allclose(softmax(multi, axis=1), [[0.5, 0.5]], rtol=1e-12)


def test_masks_after_the_adapter_have_k_rows_per_row():
    net = member_network("squared_error", np.random.default_rng(4), dropout=0.2)
    masks = net.draw_masks(5, np.random.default_rng(0))
    assert [mask.shape for mask in masks] == [(K * 5, 5), (K * 5, 6)]
    assert net.n_members == K and net.layer_sizes == (4, 5, 6, 2)


def test_member_targets_repeat_rows_and_split_weights():
    net = member_network("squared_error", np.random.default_rng(5))
    Y, w = np.arange(4.0).reshape(2, 2), np.array([1.0, 3.0])
    Yk, wk = net.member_targets(Y, w)
    np.testing.assert_array_equal(Yk, np.vstack([Y] * K))
    np.testing.assert_allclose(wk, np.tile(w, K) / K)
    assert net.member_targets(Y, None)[1].tolist() == [1 / K] * (2 * K)


@pytest.mark.parametrize("init", ["random_signs", "normal", "ones"])
def test_adapter_initialization_shares_one_draw_per_chunk(init):
    adapter = MemberAdapter(5, 4, init, chunks=[2, 1, 2])
    Network([adapter], np.float64).initialize(np.random.default_rng(6))
    r = adapter.r
    np.testing.assert_array_equal(r[:, 0], r[:, 1])
    np.testing.assert_array_equal(r[:, 3], r[:, 4])
    if init == "random_signs":
        assert set(np.unique(r)) <= {-1.0, 1.0}
    if init == "ones":
        np.testing.assert_array_equal(r, 1.0)


def test_state_round_trip_of_a_k_member_network():
    rng = np.random.default_rng(7)
    net = member_network("log_loss", rng, dropout=0.1)
    again = Network.from_state(net.state())
    X = rng.normal(size=(6, 4))
    np.testing.assert_array_equal(again.forward_predict(X), net.forward_predict(X))
    kinds = [layer.kind for layer in again.layers]
    assert kinds[0] == "member_adapter" and kinds[-1] == "member_head" and again.n_members == K
