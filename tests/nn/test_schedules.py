"""Per-step schedules: values at known steps (worked out by hand) and the trainer against a naive loop."""

import math

import numpy as np
import pytest

from regtune.nn import (
    SCHEDULES,
    Network,
    Penalties,
    StepSchedule,
    Trainer,
    batch_slices,
    cosine_schedule,
    coslog,
    flat_cos,
    loss_and_dz,
    schedule_factor,
)


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (0.0, 1.0),
        (0.25, 1.0),
        (0.5, 1.0),  # flat for the first half
        (0.625, 0.5 * (1 + math.sqrt(0.5))),  # 2t - 1 = 1/4: (1 + cos(pi/4))/2
        (0.75, 0.5),  # (1 + cos(pi/2))/2
        (1.0, 0.0),
    ],
)
def test_flat_cos_at_known_points(t, expected):
    assert flat_cos(t) == pytest.approx(expected, abs=1e-15)
    assert schedule_factor("flat_cos", t) == flat_cos(t)


def test_coslog4_cycles_at_known_points():
    """log2(1 + 15 t) = k gives 0 (a cycle's end), k + 1/2 gives 1 (its peak), k + 1/4 gives 1/2."""
    for k in range(5):  # cycle ends at t = 0, 1/15, 3/15, 7/15, 1
        assert coslog((2**k - 1) / 15) == pytest.approx(0.0, abs=1e-12)
        assert schedule_factor("coslog4", (2**k - 1) / 15) == pytest.approx(0.0, abs=1e-12)
    for k in range(4):
        assert coslog((2 ** (k + 0.5) - 1) / 15) == pytest.approx(1.0, abs=1e-12)
        assert coslog((2 ** (k + 0.25) - 1) / 15) == pytest.approx(0.5, abs=1e-12)
    assert coslog(0.5, n_cycles=1) == pytest.approx(0.5 * (1 - math.cos(2 * math.pi * math.log2(1.5))))
    assert coslog(1.0, n_cycles=2) == pytest.approx(0.0, abs=1e-12)


def test_cosine_and_constant_shapes():
    assert schedule_factor("constant", 0.7) == 1.0
    for e in range(11):  # the per-step cosine is the per-epoch one at t = e/E
        assert 0.1 * schedule_factor("cosine", e / 10) == pytest.approx(
            cosine_schedule(0.1, e, 10), abs=1e-15
        )
    assert set(SCHEDULES) == {"constant", "cosine", "flat_cos", "coslog4"}
    with pytest.raises(ValueError, match=r"schedule must be one of .*, got 'linear'"):
        StepSchedule(10, learning_rate="linear")
    with pytest.raises(ValueError, match="total_steps must be >= 1, got 0"):
        StepSchedule(0)


def test_step_schedule_progress_counts_steps_before_the_current_one():
    schedule = StepSchedule(8, learning_rate="flat_cos", weight_decay="constant", dropout="flat_cos")
    assert schedule.factors(0) == (1.0, 1.0, 1.0)
    assert schedule.factors(6) == pytest.approx((0.5, 1.0, 0.5))  # t = 6/8
    assert schedule.factors(8) == pytest.approx((0.0, 1.0, 0.0))  # the end of training
    assert schedule.progress(20) == 1.0


def test_batch_slices():
    assert batch_slices(10, 4) == [(0, 4), (4, 8), (8, 10)]
    assert batch_slices(9, 4, min_rows=2) == [(0, 4), (4, 9)]  # a last batch of one row merges
    assert batch_slices(3, 1, min_rows=2) == [(0, 3)]


def _problem(seed=0, m=12):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 3))
    Y = rng.normal(size=(m, 1))
    return X, Y


@pytest.mark.parametrize("shape", ["flat_cos", "coslog4"])
def test_trainer_steps_with_the_scheduled_learning_rate_and_decay(shape):
    """The trainer's steps equal a naive loop: plain SGD, ``eta_s = eta f(s/S)``, decay ``d_s``."""
    X, Y = _problem()
    epochs, batch, eta, wd = 3, 4, 0.05, 0.3
    net = Network.mlp((3, 5, 1), dtype=np.float64)
    net.initialize(np.random.default_rng(1))
    ref = Network.mlp((3, 5, 1), dtype=np.float64)
    ref.theta[...] = net.theta
    total = epochs * len(batch_slices(12, batch))
    schedule = StepSchedule(total, learning_rate=shape, weight_decay="flat_cos")
    penalties = Penalties(weight_decay=wd, n=12)
    trainer = Trainer(
        net, "squared_error", X, Y, None, penalties, "sgd", batch, False, None, {"momentum": 0.0}, schedule
    )
    for _ in range(epochs):
        trainer.epoch(eta)
    step = 0
    for _ in range(epochs):
        for start, stop in batch_slices(12, batch):
            t = step / total
            eta_s, d_s = eta * schedule_factor(shape, t), flat_cos(t)
            z = ref.forward_train(X[start:stop])
            _, dz = loss_and_dz("squared_error", z, Y[start:stop], None, 1.0 / (stop - start))
            ref.backward(dz)
            ref.weights[...] *= 1 - eta_s * d_s * wd
            ref.theta[...] -= eta_s * ref.grad
            step += 1
    assert trainer.step == total == step
    np.testing.assert_allclose(net.theta, ref.theta, rtol=1e-12, atol=1e-15)


def test_trainer_sets_each_steps_dropout_probability():
    """The mask of step ``s`` drops with ``p0 * flat_cos(s/S)``; after training ``p = p0 * f(1) = 0``."""
    X, Y = _problem(m=10)
    net = Network.mlp((3, 4, 1), dropout=0.4, dtype=np.float64)
    net.initialize(np.random.default_rng(2))
    layer = net.layers_of("dropout")[0]
    seen = []
    draw = layer.draw_mask

    def recording_draw(m, rng):
        seen.append((layer.p, layer.train_scale))
        return draw(m, rng)

    layer.draw_mask = recording_draw
    total = 4 * 2
    schedule = StepSchedule(total, dropout="flat_cos")
    trainer = Trainer(
        net,
        "squared_error",
        X,
        Y,
        None,
        Penalties(n=10),
        "adam",
        5,
        True,
        np.random.default_rng(3),
        {},
        schedule,
    )
    after_epoch = []
    for _ in range(4):
        trainer.epoch(0.01)
        after_epoch.append(layer.p)
    expected = [0.4 * flat_cos(s / total) for s in range(total)]
    np.testing.assert_allclose([p for p, _ in seen], expected, rtol=1e-15)
    np.testing.assert_allclose([scale for _, scale in seen], [1 / (1 - p) for p in expected], rtol=1e-15)
    np.testing.assert_allclose(after_epoch, [0.4 * flat_cos(e / 4) for e in range(1, 5)], rtol=1e-15)
    assert layer.p == 0.0


def test_no_schedule_is_the_epochs_constant_rate():
    """Without a schedule every step uses the epoch's eta (the path the defaults take)."""
    X, Y = _problem()
    nets = []
    for schedule in (None, StepSchedule(9)):
        net = Network.mlp((3, 5, 1), dtype=np.float64)
        net.initialize(np.random.default_rng(1))
        trainer = Trainer(
            net,
            "squared_error",
            X,
            Y,
            None,
            Penalties(weight_decay=0.1, n=12),
            "adam",
            4,
            False,
            None,
            {},
            schedule,
        )
        for _ in range(3):
            trainer.epoch(0.02)
        nets.append(net.theta.copy())
    np.testing.assert_array_equal(nets[0], nets[1])
