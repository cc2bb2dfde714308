"""Dropout (``MATH.md`` section 3): ``p`` is the probability of dropping a unit."""

import numpy as np

from .base import Layer

__all__ = ["Dropout", "draw_keep_mask"]

DROPOUT_SCALINGS = ("inverted", "classic")


def draw_keep_mask(rng, p, scale, out):
    """Fill ``out`` with ``scale * keep``, ``keep ~ Bernoulli(1 - p)`` independently per entry.

    Each entry is 32 random bits (half of one full-range 64-bit draw) compared with the integer
    threshold ``round(p * 2**32)``, so ``P(drop) = round(p * 2**32) / 2**32``, within ``2**-33`` of
    ``p`` (a float32 uniform resolves only ``2**-24``). It costs about half of drawing a uniform
    float per entry, which made the masks 15% of a dropout epoch at width 256.
    """
    size = out.size
    words = rng.integers(0, 2**64 - 1, size=(size + 1) // 2, dtype=np.uint64, endpoint=True)
    bits = words.view(np.uint32)[:size].reshape(out.shape)
    threshold = np.uint32(min(round(p * 2**32), 2**32 - 1))
    np.greater_equal(bits, threshold, out=out, casting="unsafe")
    if scale != 1.0:
        out *= scale
    return out


class Dropout(Layer):
    """Drop each unit of each row with probability ``p`` in training.

    ``"inverted"`` (default): kept units are scaled in training, nothing happens at prediction;
    ``"classic"``: no scaling in training, and at prediction the weights leaving the layer are
    multiplied by ``1 - p`` (the lecture's ``w -> w(1 - p)``). Either way the expected training
    output equals the prediction. With a mask ``mask = keep * scale`` drawn per training batch::

        out = h * mask,   dh = dout * mask,   scale = 1/(1 - p) (inverted) or 1 (classic)

    Backward multiplies by the same mask as forward. Monte-Carlo prediction (``rng`` given) draws a
    fresh training-mode mask per pass. No parameters.

    A dropout schedule changes ``p`` between training steps (``set_p``). Prediction, folding and the
    saved layer use the current ``p``: after training, the schedule's final value (0 for
    ``"flat_cos"``), so classic dropout folds ``1 - p_final`` (1: nothing) and Monte-Carlo passes
    drop with ``p_final``. Inverted dropout needs no correction at prediction for any ``p``.

    Shape: ``h`` ``(m, units)`` -> ``out`` ``(m, units)``; ``mask`` ``(m, units)``.
    """

    kind = "dropout"
    stochastic = True

    def __init__(self, units, p, scaling="inverted"):
        super().__init__()
        if scaling not in DROPOUT_SCALINGS:
            raise ValueError(f"dropout_scaling must be one of {DROPOUT_SCALINGS}, got {scaling!r}")
        self.units, self.scaling = int(units), scaling
        self.set_p(p)
        self.mask = None

    def set_p(self, p):
        """Set the drop probability (and the training scale ``1/(1 - p)`` of inverted dropout)."""
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {p!r}")
        self.p = float(p)
        self.train_scale = 1.0 / (1.0 - self.p) if self.scaling == "inverted" else 1.0

    def config(self):
        return {"units": self.units, "p": self.p, "scaling": self.scaling}

    def draw_mask(self, m, rng):
        """Draw the mask for a batch of ``m`` rows (a buffer, overwritten by the next draw)."""
        return draw_keep_mask(rng, self.p, self.train_scale, self.buffer("mask", (m, self.units)))

    def forward_train(self, h, update_stats=True):
        return np.multiply(h, self.mask, out=self.output_of(h))

    def backward(self, dout, need_d_in=True):
        dout *= self.mask
        return dout

    def forward_predict(self, h, rng=None):
        out = h if self.in_place else h.copy()
        if rng is not None:
            out *= draw_keep_mask(rng, self.p, self.train_scale, np.empty_like(out))
        elif self.scaling == "classic":
            out *= 1.0 - self.p
        return out

    def fold(self, chain):
        if chain.dropout_active:
            return chain.drop_after_last_step(self.p, self.train_scale)
        if self.scaling == "classic":
            chain.scale_next_input(1.0 - self.p)
        return True
