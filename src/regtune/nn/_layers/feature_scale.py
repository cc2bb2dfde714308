"""A learned scale per input column (RealMLP's "front scale"), folded into the dense layer after it."""

import numpy as np

from .base import Layer, Param

__all__ = ["FeatureScale"]


class FeatureScale(Layer):
    """Multiply each column by its own learned factor ``s``.

    Forward and backward, for a batch ``a`` of ``m`` rows::

        out = a * s
        ds = sum_rows(dout * a),   da = dout * s

    ``s`` starts at 1 (the identity), so the layer changes nothing until training moves it; it
    lets the optimizer give each input its own step size (a column of the next ``W`` moves with
    ``s``). ``s`` is not penalized: like batch norm's ``gamma`` it is a scale, and a penalty
    pulling it to 0 would pull the inputs to 0, not keep weights small (``MATH.md`` section 2).
    At prediction it folds into the dense layer after it, ``W' = diag(s) W``.

    Shape: ``a`` ``(m, units)`` -> ``out`` ``(m, units)``; ``s`` ``(units,)``.

    Parameters
    ----------
    units : int
        Columns of the input.
    """

    kind = "feature_scale"

    def __init__(self, units):
        super().__init__()
        self.units = int(units)

    def params(self):
        return (Param("s", (self.units,), penalized=False),)

    def config(self):
        return {"units": self.units}

    def initialize(self, rng):
        self.s[...] = 1.0

    def forward_train(self, a, update_stats=True):
        self._a = a  # backward reads the input, so the output never overwrites it
        return np.multiply(a, self.s, out=self.buffer("out", a.shape))

    def backward(self, dout, need_d_in=True):
        np.einsum("ij,ij->j", dout, self._a, out=self.ds)
        if not need_d_in:
            return None
        dout *= self.s
        return dout

    def forward_predict(self, a, rng=None):
        return a * self.s

    def fold(self, chain):
        return chain.scale_next_input(self.s[:, None])
