"""The training loop: mini-batch epochs and the full-batch objective used by L-BFGS.

The data term of ``J`` is ``(1/n) sum_i w_i L_i`` with ``n = sum_i w_i``. A mini-batch ``B`` of ``m``
of the ``N`` rows estimates its gradient without bias by ``(1/m) sum_{i in B} (N w_i / n) grad L_i``,
so the weights are rescaled once to mean one. The penalty gradient is ``(alpha/n) W`` at every step,
whatever the batch size (``MATH.md`` section 2).
"""

import itertools

import numpy as np
from scipy.optimize import minimize

from ._losses import loss_and_dz
from ._optimizers import SGD, Adam

__all__ = ["Trainer", "batch_slices", "full_batch_objective", "minimize_lbfgs"]


def batch_slices(n_rows, batch_size, min_rows=1):
    """``[(start, stop), ...]`` of an epoch's batches: ``batch_size`` rows each (at least
    ``min_rows``), a last batch shorter than ``min_rows`` merged into the one before it."""
    batch_size = max(batch_size, min_rows)
    bounds = [*range(0, n_rows, batch_size), n_rows]
    if len(bounds) > 2 and bounds[-1] - bounds[-2] < min_rows:
        del bounds[-2]
    return list(itertools.pairwise(bounds))


class Trainer:
    """Train a ``Network`` one epoch at a time with SGD or Adam.

    Parameters
    ----------
    network : Network
    loss : {"squared_error", "log_loss", "cross_entropy"}
    X, Y : ndarray of shape (N, d) and (N, k), in the network's dtype
    sample_weight : ndarray of shape (N,) or None
    penalties : Penalties
    solver : {"sgd", "adam"}
    batch_size : int
    shuffle : bool
    rng : numpy.random.Generator
    optimizer_params : dict
        ``momentum``, ``nesterov`` (sgd) or ``beta_1``, ``beta_2``, ``epsilon`` (adam).
    schedule : StepSchedule, optional
        Per-step factors: step ``s`` (counted over all epochs of this trainer, from 0) trains at
        learning rate ``eta * f_lr(s/S)``, decays weights by ``f_wd(s/S)`` times ``weight_decay``
        and drops each dropout layer's units with probability ``p0 * f_drop(s/S)``, where ``p0``
        is the layer's ``p`` when the trainer was built. None: the epoch's ``eta`` for every step.

    Notes
    -----
    The rows are permuted once per epoch into preallocated arrays, so every batch is a contiguous
    slice. Batches have at least ``network.min_batch_rows`` rows: 2 with batch norm, whose
    statistics need two (``batch_size=1`` trains on pairs); a shorter last batch is merged into the
    batch before it.
    """

    def __init__(
        self,
        network,
        loss,
        X,
        Y,
        sample_weight,
        penalties,
        solver,
        batch_size,
        shuffle,
        rng,
        optimizer_params,
        schedule=None,
    ):
        self.network, self.loss, self.penalties = network, loss, penalties
        self.schedule, self.step = schedule, 0
        self._dropout = [(layer, layer.p) for layer in network.layers_of("dropout")]
        self.X, self.Y, self.shuffle, self.rng = X, Y, shuffle, rng
        N = X.shape[0]
        self.w = None
        if sample_weight is not None:
            self.w = (sample_weight * (N / sample_weight.sum())).astype(X.dtype)
        n_params = network.theta.size
        if solver == "sgd":
            self.optimizer = SGD(n_params, network.dtype, **optimizer_params)
        else:
            self.optimizer = Adam(n_params, network.dtype, **optimizer_params)
        self.batches = batch_slices(N, batch_size, network.min_batch_rows)
        if shuffle:
            self._X = np.empty_like(X)
            self._Y = np.empty_like(Y)
            self._w = None if self.w is None else np.empty_like(self.w)

    @property
    def steps_per_epoch(self):
        """The mini-batch steps of one epoch."""
        return len(self.batches)

    def set_dropout(self, step):
        """Set each dropout layer's ``p`` to its scheduled value at step ``step``.

        The trainer calls it before every step; called with the number of steps taken so far, it
        leaves the network with the value the schedule has reached (``p0 * f_drop(1)`` at the end).
        """
        if self.schedule is None or self.schedule.dropout == "constant":
            return
        factor = self.schedule.factors(step)[2]
        for layer, p0 in self._dropout:
            layer.set_p(p0 * factor)

    def epoch(self, eta):
        """Run one epoch at learning rate ``eta`` (times the schedule's factor of each step); return
        the weighted mean data loss (train mode)."""
        net, pen, opt = self.network, self.penalties, self.optimizer
        X, Y, w = self.X, self.Y, self.w
        if self.shuffle:
            perm = self.rng.permutation(X.shape[0])
            X = np.take(self.X, perm, axis=0, out=self._X)
            Y = np.take(self.Y, perm, axis=0, out=self._Y)
            if w is not None:
                w = np.take(self.w, perm, out=self._w)
        total = 0.0
        weights, dweights = net.weights, net.grad[: net.n_weights]
        for start, stop in self.batches:
            eta_s, decay_s = eta, 1.0
            if self.schedule is not None:
                lr_factor, decay_s, _ = self.schedule.factors(self.step)
                eta_s = eta * lr_factor
                self.set_dropout(self.step)
            self.step += 1
            m = stop - start
            wb = None if w is None else w[start:stop]
            z = net.forward_train(X[start:stop], rng=self.rng)
            Yb, wb = net.member_targets(Y[start:stop], wb)  # k-member networks: k rows per row
            batch_loss, dz = loss_and_dz(self.loss, z, Yb, wb, 1.0 / m)
            total += batch_loss
            net.backward(dz)
            pen.add_l2_gradient(weights, dweights)
            pen.decay(weights, eta_s, decay_s)
            opt.step(net.theta, net.grad, eta_s)
            pen.project(net, eta_s)
        self.set_dropout(self.step)
        return total / X.shape[0]


def full_batch_objective(network, loss, X, Y, sample_weight, penalties, masks=None):
    """Return ``J(theta)`` (data term plus L2 and L1 penalties) and fill ``network.grad``.

    The gradient includes the L2 term but not the L1 term (not differentiable at zero; the
    optimizers apply it by a proximal step). Training mode: batch statistics for batch norm
    (running statistics are not updated) and dropout from ``masks``.
    """
    n = X.shape[0] if sample_weight is None else float(sample_weight.sum())
    z = network.forward_train(X, masks=masks, update_stats=False)
    Y, sample_weight = network.member_targets(Y, sample_weight)  # k-member networks: k rows per row
    data, dz = loss_and_dz(loss, z, Y, sample_weight, 1.0 / n)
    network.backward(dz)
    penalties.add_l2_gradient(network.weights, network.grad[: network.n_weights])
    return data / n + penalties.value(network.weights)


def minimize_lbfgs(network, loss, X, Y, sample_weight, penalties, max_iter, tol, max_fun=15000):
    """Minimize the full-batch objective with scipy's L-BFGS-B, in float64; return scipy's result.

    ``network.theta`` holds the solution on return.
    """

    def fun(theta):
        network.theta[...] = theta
        value = full_batch_objective(network, loss, X, Y, sample_weight, penalties)
        return value, network.grad.astype(np.float64)

    result = minimize(
        fun,
        network.theta.astype(np.float64),
        jac=True,
        method="L-BFGS-B",
        options={
            "maxiter": max_iter,
            "maxfun": max_fun,
            "gtol": tol,
            "ftol": 64 * np.finfo(float).eps,
            "maxcor": 20,
        },
    )
    network.theta[...] = result.x
    return result
