"""Losses on the output layer's pre-activation ``z`` (logits), each with its canonical link.

For all three, the gradient with respect to ``z`` is ``yhat - y`` (times the sample weight):

* ``squared_error`` (regression): ``yhat = z``, ``L_i = (1/2) * sum_k (y_ik - z_ik)**2``.
* ``log_loss`` (binary, one output): ``p = 1 / (1 + e**-z)``,
  ``L_i = -y_i log p_i - (1 - y_i) log(1 - p_i) = log(1 + e**z_i) - y_i z_i``.
* ``cross_entropy`` (multiclass, softmax over k outputs, ``y`` one-hot):
  ``L_i = logsumexp(z_i) - sum_k y_ik z_ik``.

The two classification losses take soft targets as they are (``y`` in ``[0, 1]``, rows summing to 1
for ``cross_entropy``); the gradient stays ``yhat - y``. Label smoothing (``smooth_labels``) trains
on such targets.

Shape: ``z`` and ``y`` are ``(m, k)``; ``w`` is ``(m,)``.
"""

import numpy as np
from scipy.special import expit, softmax

__all__ = [
    "LOSSES",
    "OUTPUT_ACTIVATIONS",
    "loss_and_dz",
    "loss_value",
    "output_transform",
    "prior_logits",
    "smooth_labels",
]

LOSSES = ("squared_error", "log_loss", "cross_entropy")
OUTPUT_ACTIVATIONS = {"squared_error": "identity", "log_loss": "logistic", "cross_entropy": "softmax"}


def output_transform(loss, z):
    """Map logits ``z`` to predictions with the loss's link ``OUTPUT_ACTIVATIONS[loss]``: identity,
    sigmoid or softmax (a new array)."""
    if loss == "squared_error":
        return z.copy()
    if loss == "log_loss":
        return expit(z)
    return softmax(z, axis=1)


def prior_logits(loss, Y, w=None):
    """The constant logits that predict the (weighted) mean target: the best constant model.

    ``squared_error``: the mean of each output; ``log_loss``: ``log(p / (1 - p))`` of the positive
    rate ``p``; ``cross_entropy``: ``log p_k`` of the class rates (centered; softmax ignores a
    shift). Rates are clipped to ``[1e-7, 1 - 1e-7]``. Shape: ``Y`` ``(m, k)`` -> ``(k,)``.
    """
    mean = np.average(np.asarray(Y, dtype=np.float64), axis=0, weights=w)
    if loss == "squared_error":
        return mean
    p = np.clip(mean, 1e-7, 1 - 1e-7)
    if loss == "log_loss":
        return np.log(p) - np.log1p(-p)
    return np.log(p) - np.log(p).mean()


def smooth_labels(loss, Y, eps):
    """Label-smoothed targets (a new array): mix the labels with the uniform distribution.

    ``cross_entropy`` (one-hot over ``K`` classes): ``(1 - eps) * Y + eps / K``; ``log_loss`` (one
    output, ``y`` in ``{0, 1}``): ``(1 - eps) * y + eps / 2``, the same rule for ``K = 2``. So the
    true class gets ``1 - eps + eps/K`` and every other class ``eps/K``. Shape: ``Y`` ``(m, k)``.
    """
    if loss == "squared_error":
        raise ValueError("label smoothing needs a classification loss, got loss='squared_error'")
    if not 0.0 <= eps < 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1), got {eps!r}")
    n_classes = 2 if loss == "log_loss" else Y.shape[1]
    return (1.0 - eps) * Y + eps / n_classes


def loss_value(loss, z, y):
    """Per-row loss ``L_i`` for logits ``z`` and targets ``y``, shape ``(m,)``."""
    if loss == "squared_error":
        r = z - y
        return 0.5 * np.einsum("ij,ij->i", r, r)
    if loss == "log_loss":
        return (np.logaddexp(0, z) - y * z)[:, 0]
    z_max = z.max(axis=1, keepdims=True)
    lse = np.log(np.exp(z - z_max).sum(axis=1)) + z_max[:, 0]
    return lse - np.einsum("ij,ij->i", y, z)


def loss_and_dz(loss, z, y, w, scale):
    """Return ``sum_i w_i L_i`` and overwrite ``z`` with ``dz = scale * w_i * (yhat_i - y_i)``.

    ``w`` may be None (all ones). ``z`` is consumed: on return it holds the gradient.
    """
    values = loss_value(loss, z, y)
    total = float(values @ w) if w is not None else float(values.sum())
    if loss == "log_loss":
        expit(z, out=z)
    elif loss == "cross_entropy":
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
    z -= y
    if w is not None:
        z *= (scale * w)[:, None]
    elif scale != 1.0:
        z *= scale
    return total, z
