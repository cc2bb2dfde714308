"""The element-wise activation as a layer (the functions themselves are in ``nn/_activations.py``)."""

import numpy as np

from .._activations import ACTIVATIONS, activation_backward_, activation_forward_
from .base import Layer

__all__ = ["Activation"]


class Activation(Layer):
    """``h = f(z)`` element-wise; backward ``dz = dh * f'(z)``, with ``f'`` written in terms of ``h``.

    ``f`` is ``relu`` (``max(z, 0)``), ``tanh``, ``logistic`` (``1/(1 + e**-z)``) or ``identity``;
    see ``nn/_activations.py`` for each derivative. Backward reads the output ``h``, so the layer
    after it must not overwrite it (``needs_output``). No parameters.

    Shape: ``z`` ``(m, units)`` -> ``h`` ``(m, units)``.
    """

    kind = "activation"
    needs_output = True

    def __init__(self, name):
        super().__init__()
        if name not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {name!r}")
        self.name = name

    def config(self):
        return {"name": self.name}

    def forward_train(self, z, update_stats=True):
        h = self.output_of(z)
        if h is not z:
            np.copyto(h, z)
        self._h = activation_forward_(self.name, h)
        return h

    def backward(self, dh, need_d_in=True):
        return activation_backward_(self.name, self._h, dh)

    def forward_predict(self, z, rng=None):
        return activation_forward_(self.name, z if self.in_place else z.copy())

    def fold(self, chain):
        return chain.activate_last_step(self.name)
