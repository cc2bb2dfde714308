"""The training recipe's estimator side: learning-rate and per-step schedules, standardized targets.

* ``learning_rate``: ``"constant"``, ``"cosine"`` and ``"invscaling"`` set ``eta`` once per epoch
  (as before); ``"flat_cos"`` and ``"coslog4"`` are evaluated per mini-batch step, as the
  ``dropout_schedule`` and ``weight_decay_schedule`` are (``nn.StepSchedule``: progress
  ``t = s/S`` over the ``S = max_iter * batches per epoch`` steps of one fit).
* ``standardize_target``: the regressor trains on ``(y - mean)/scale`` per output (weighted by the
  sample weights) and folds the inverse map into the output layer of every network it commits, so
  fitted weights, predictions and validation losses are in the target's units.
"""

from dataclasses import dataclass

import numpy as np

from ..nn import StepSchedule, cosine_schedule
from ._state import network_from_state, network_state

__all__ = ["PER_STEP", "TargetScaling", "epoch_learning_rate", "prediction_state", "step_schedule"]

PER_STEP = ("flat_cos", "coslog4")  # learning_rate options evaluated per mini-batch step


def epoch_learning_rate(est, epoch):
    """``eta`` of epoch ``epoch`` (from 1); the per-step shapes multiply it per step."""
    eta0 = est.learning_rate_init
    if est.learning_rate == "cosine":
        return cosine_schedule(eta0, epoch - 1, est.max_iter)
    if est.learning_rate == "invscaling":
        return eta0 / epoch**est.power_t
    return eta0


def step_schedule(est, steps_per_epoch):
    """The fit's ``StepSchedule`` over ``max_iter * steps_per_epoch`` steps, or None when nothing
    changes within an epoch (then every step trains at the epoch's ``eta``)."""
    learning_rate = est.learning_rate if est.learning_rate in PER_STEP else "constant"
    shapes = (learning_rate, est.weight_decay_schedule, est.dropout_schedule)
    if shapes == ("constant",) * 3:
        return None
    return StepSchedule(est.max_iter * steps_per_epoch, *shapes)


@dataclass(frozen=True)
class TargetScaling:
    """``y_std = (y - mean) / scale`` per output, and its inverse folded into an output layer.

    ``mean`` and ``scale`` (shape ``(k,)``) are the weighted mean and standard deviation of the
    training targets (population formula, weights = sample weights); a scale below
    ``10 * eps * max(1, |mean|)`` (a constant target) is replaced by 1.
    """

    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def of(cls, Y, w=None):
        Y = np.asarray(Y, dtype=np.float64)
        mean = np.average(Y, axis=0, weights=w)
        scale = np.sqrt(np.average((Y - mean) ** 2, axis=0, weights=w))
        tiny = 10 * np.finfo(np.float64).eps * np.maximum(1.0, np.abs(mean))
        return cls(mean, np.where(scale > tiny, scale, 1.0))

    def standardize(self, Y):
        """``(Y - mean) / scale``, in ``Y``'s dtype."""
        return ((Y - self.mean) / self.scale).astype(Y.dtype)

    def to_target_units(self, net):
        """Make the output layer predict ``mean + scale * out``: ``W <- W scale``, ``b <- b scale + mean``
        (with k member heads, every head's)."""
        W, b = _output_parameters(net, self.scale.shape[-1])
        W *= self.scale
        b[...] = b * self.scale + self.mean

    def to_standard_units(self, net):
        """The inverse of ``to_target_units`` (a warm start from a network in target units)."""
        W, b = _output_parameters(net, self.scale.shape[-1])
        b[...] = (b - self.mean) / self.scale
        W /= self.scale


def _output_parameters(net, n_outputs):
    """The output layer's weights as ``(n_in, heads, n_outputs)`` and biases as ``(heads, n_outputs)``
    (views): the last dense layer, or the per-member heads of a k-member network."""
    layer = [layer for layer in net.layers if layer.kind in ("dense", "member_head")][-1]
    return layer.W.reshape(layer.W.shape[0], -1, n_outputs), layer.b.reshape(-1, n_outputs)


def prediction_state(net, scaling):
    """``(state, network)`` a fit commits after an epoch: the training network itself, or with
    standardized targets (``scaling``) a copy whose output layer predicts in the target's units."""
    if scaling is None:
        return network_state(net), net
    predicting = network_from_state(network_state(net))
    scaling.to_target_units(predicting)
    return network_state(predicting), predicting
