"""The dense (fully connected) layer: the only kind with penalized weights so far."""

import numpy as np

from .base import Layer, Param

__all__ = ["Dense"]


class Dense(Layer):
    """Affine map of each row, with an optional bias.

    Forward and backward, for a batch ``a`` of ``m`` rows::

        z = a @ W + b
        dW = a.T @ dz,   db = sum_rows(dz),   da = dz @ W.T

    ``W`` is penalized (L2, L1, weight decay, max-norm act on it); ``b`` is not. Without ``bias``
    there is no ``b`` (batch norm right after supplies the shift). Initialization is Glorot-uniform,
    ``W ~ U(-r, r)`` with ``r = sqrt(glorot_factor / (n_in + n_out))`` (6, or 2 before a logistic
    activation, as scikit-learn), and ``b = 0``.

    Shape: ``a`` ``(m, n_in)`` -> ``z`` ``(m, n_out)``; ``W`` ``(n_in, n_out)``, ``b`` ``(n_out,)``.

    Parameters
    ----------
    n_in, n_out : int
        Input and output units.
    bias : bool
        Learn ``b``.
    glorot_factor : float
        Numerator of the initialization bound.
    """

    kind = "dense"

    def __init__(self, n_in, n_out, bias=True, glorot_factor=6.0):
        super().__init__()
        self.n_in, self.n_out = int(n_in), int(n_out)
        self.bias = bool(bias)
        self.glorot_factor = float(glorot_factor)
        self.b = None

    def params(self):
        W = Param("W", (self.n_in, self.n_out), penalized=True)
        return (W, Param("b", (self.n_out,), penalized=False)) if self.bias else (W,)

    def config(self):
        return {
            "n_in": self.n_in,
            "n_out": self.n_out,
            "bias": self.bias,
            "glorot_factor": self.glorot_factor,
        }

    def initialize(self, rng):
        bound = np.sqrt(self.glorot_factor / (self.n_in + self.n_out))
        self.W[...] = rng.uniform(-bound, bound, size=self.W.shape)
        if self.bias:
            self.b[...] = 0.0

    def forward_train(self, a, update_stats=True):
        self._a = a
        z = np.matmul(a, self.W, out=self.buffer("z", (a.shape[0], self.n_out)))
        if self.bias:
            z += self.b
        return z

    def backward(self, dz, need_d_in=True):
        if self.bias:
            dz.sum(axis=0, out=self.db)
        np.matmul(self._a.T, dz, out=self.dW)
        if need_d_in:
            return np.matmul(dz, self.W.T, out=self.buffer("da", self._a.shape))
        return None

    def forward_predict(self, a, rng=None):
        z = a @ self.W
        if self.bias:
            z += self.b
        return z

    def fold(self, chain):
        return chain.add_step(self.W, self.b)
