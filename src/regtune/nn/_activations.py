"""Element-wise activations, computed in place for speed.

Each activation has a forward ``f(z)`` that overwrites ``z`` with ``h = f(z)`` and a backward that
overwrites the upstream gradient ``dh`` with ``dh * f'(z)``, written in terms of the output ``h`` so the
pre-activation need not be kept:

* ``relu``:     ``h = max(z, 0)``,        ``f' = [h > 0]``
* ``tanh``:     ``h = tanh(z)``,          ``f' = 1 - h**2``
* ``logistic``: ``h = 1 / (1 + e**-z)``,  ``f' = h * (1 - h)``
* ``identity``: ``h = z``,                ``f' = 1``
"""

import numpy as np
from scipy.special import expit

__all__ = ["ACTIVATIONS", "activation_backward_", "activation_forward_"]

ACTIVATIONS = ("identity", "logistic", "tanh", "relu")


def activation_forward_(name, z):
    """Overwrite ``z`` with ``f(z)`` and return it."""
    if name == "relu":
        np.maximum(z, 0, out=z)
    elif name == "tanh":
        np.tanh(z, out=z)
    elif name == "logistic":
        expit(z, out=z)
    elif name != "identity":
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {name!r}")
    return z


def activation_backward_(name, h, dh):
    """Overwrite ``dh`` with ``dh * f'(z)``, where ``h = f(z)``, and return it."""
    if name == "relu":
        dh *= h > 0
    elif name == "tanh":
        dh *= 1 - h * h
    elif name == "logistic":
        dh *= h * (1 - h)
    elif name != "identity":
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {name!r}")
    return dh
