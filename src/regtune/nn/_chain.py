"""The fast prediction path: a network in prediction mode folded into plain dense steps.

Each step is ``h <- drop(f(h @ W + b))``: ``f`` is the step's activation (none after the last) and
``drop`` a Monte-Carlo dropout mask, applied only when a generator is given. Layers fold themselves
in (``Layer.fold``): a dense layer adds a step, batch norm rescales the last one with its running
statistics, an activation sets the last step's ``f``, classic dropout scales the next step's weights
by ``1 - p``, a feature scale multiplies the next step's rows by its ``s``, and with
``dropout_active`` dropout sets the last step's mask instead.
"""

import numpy as np

from ._activations import activation_forward_
from ._layers import draw_keep_mask

__all__ = ["PREDICT_CHUNK", "DenseChain", "forward_dense"]

PREDICT_CHUNK = 1024


class DenseChain:
    """A prediction-mode network as dense steps; built by ``Network.fold``.

    Each method adds what one layer does at prediction and returns False when the chain cannot
    express it there (the network then predicts layer by layer).

    Parameters
    ----------
    dropout_active : bool
        Monte-Carlo mode: dropout layers become masks (``drop_after_last_step``) instead of
        their prediction-mode scaling.
    """

    def __init__(self, dropout_active=False):
        self.dropout_active = dropout_active
        self.steps = []  # [W, b]; b is None while no layer has set a bias or shift
        self.activations = []  # per step: an activation name, or None (identity)
        self.masks = []  # per step: (p, scale) of a Monte-Carlo dropout mask after f, or None
        self._input_scale = 1.0  # the next step's W is multiplied by it: a number or a column (n_in, 1)

    def _last_step_open(self):
        return bool(self.steps) and self.activations[-1] is None and self.masks[-1] is None

    def _input_scaled(self):
        return not np.all(np.equal(self._input_scale, 1.0))

    def add_step(self, W, b):
        """Add ``z = h @ W + b`` (copies; ``b`` None for no bias)."""
        W = W * self._input_scale if self._input_scaled() else np.array(W)
        self._input_scale = 1.0
        self.steps.append([W, None if b is None else b.copy()])
        self.activations.append(None)
        self.masks.append(None)
        return True

    def scale_last_step(self, s, t):
        """Follow the last step by ``s*z + t`` per unit: ``W <- W*s``, ``b <- s*b + t``."""
        if not self._last_step_open() or self._input_scaled():
            return False
        W, b = self.steps[-1]
        self.steps[-1] = [W * s, t if b is None else s * b + t]
        return True

    def activate_last_step(self, name):
        """Apply activation ``name`` to the last step's output."""
        if not self._last_step_open():
            return False
        self.activations[-1] = name
        return True

    def drop_after_last_step(self, p, scale):
        """Monte-Carlo mode: multiply the last step's output by a fresh ``keep * scale`` mask."""
        if not self.steps or self.masks[-1] is not None:
            return False
        self.masks[-1] = (p, scale)
        return True

    def scale_next_input(self, factor):
        """Multiply the next step's input (so its ``W``) by ``factor``: a number (classic dropout)
        or a column ``(n_in, 1)``, one factor per input unit (a feature scale)."""
        self._input_scale = self._input_scale * factor
        return True

    def complete(self):
        """True when the chain ends with a step and has no pending input scale."""
        return bool(self.steps) and not self._input_scaled()

    def pairs(self):
        """The steps as ``[(W, b), ...]`` (a zero bias where none was set)."""
        return [(W, np.zeros(W.shape[1], W.dtype) if b is None else b) for W, b in self.steps]

    def forward(self, X, rng=None, chunk=PREDICT_CHUNK):
        """Logits for ``X``; with ``rng``, the Monte-Carlo masks are drawn."""
        return forward_dense(X, self.pairs(), self.activations, self.masks, rng, chunk)


def forward_dense(X, folded, activation, masks=None, rng=None, chunk=PREDICT_CHUNK):
    """Logits of plain dense steps ``[(W, b), ...]``.

    ``activation`` is one name for every step but the last, or a list with one entry per step
    (None: identity). ``masks`` (with ``rng``) holds per step ``(p, scale)`` of a dropout mask
    drawn after the activation, or None. Rows go through in chunks of ``chunk`` with reused
    buffers, which keeps the hidden activations in cache (about 2.5x faster than whole-matrix
    products on 100,000 rows).

    Shape: ``X`` ``(n, n_in)`` -> ``(n, n_out)`` of the last step.
    """
    folded = list(folded)
    n, last = X.shape[0], len(folded) - 1
    if isinstance(activation, str):
        activation = [activation] * last + [None]
    if masks is None or rng is None:
        masks = [None] * len(folded)
    dtype = np.result_type(X.dtype, folded[0][0].dtype)
    out = np.empty((n, folded[-1][0].shape[1]), dtype)
    buffers = [np.empty((min(chunk, n), W.shape[1]), dtype) for W, _ in folded[:-1]]
    for start in range(0, n, chunk):
        a = X[start : start + chunk]
        m = a.shape[0]
        for l, (W, b) in enumerate(folded):
            z = out[start : start + m] if l == last else buffers[l][:m]
            np.matmul(a, W, out=z)
            z += b
            if activation[l] is not None:
                activation_forward_(activation[l], z)
            if masks[l] is not None:
                p, scale = masks[l]
                z *= draw_keep_mask(rng, p, scale, np.empty_like(z))
            a = z
    return out
