"""The input of a k-member network (TabM-mini): a copy of the batch per member, scaled by its own vector."""

import numpy as np

from .base import Layer, Param

__all__ = ["ADAPTER_INITS", "MemberAdapter"]

ADAPTER_INITS = ("random_signs", "normal", "ones")


class MemberAdapter(Layer):
    """Stack ``k`` copies of the batch, copy ``i`` multiplied by member ``i``'s vector ``r_i``.

    The layers after it are shared by all members (TabM-mini, Gorishniy et al. 2025: the only
    weights of a member of its own are ``r_i`` and its output head, ``MemberHead``). Rows are
    member-major: rows ``i*m .. i*m + m - 1`` of the output are member ``i``'s copy of the batch::

        out[i*m + j] = a[j] * r_i
        dr_i = sum_j dout[i*m + j] * a[j],   da[j] = sum_i dout[i*m + j] * r_i

    Initialization (TabM): ``"random_signs"`` (each entry +1 or -1, its default without numeric
    embeddings), ``"normal"`` (``N(0, 1)``, its default with them) or ``"ones"`` (identical
    members until the heads differ). With ``chunks`` (widths summing to ``units``), the entries of
    one chunk share one draw: the values of one embedded column are scaled together. ``r`` is not
    penalized (a scale, like batch norm's ``gamma``). It does not fold into dense steps.

    Shape: ``a`` ``(m, units)`` -> ``out`` ``(k*m, units)``; ``r`` ``(k, units)``.

    Parameters
    ----------
    units : int
        Columns of the input.
    n_members : int
        ``k``.
    init : {"random_signs", "normal", "ones"}
    chunks : list of int, optional
        Widths of the groups of columns that share one initial value per member.
    """

    kind = "member_adapter"

    def __init__(self, units, n_members, init="random_signs", chunks=None):
        super().__init__()
        if init not in ADAPTER_INITS:
            raise ValueError(f"init must be one of {ADAPTER_INITS}, got {init!r}")
        self.units, self.n_members, self.init = int(units), int(n_members), init
        if self.n_members < 1:
            raise ValueError(f"n_members must be >= 1, got {n_members!r}")
        self.chunks = None if chunks is None else [int(c) for c in chunks]
        if self.chunks is not None and (sum(self.chunks) != self.units or min(self.chunks) < 1):
            raise ValueError(f"chunks must be positive widths summing to units={self.units}, got {chunks!r}")
        self.row_factor = self.n_members

    def params(self):
        return (Param("r", (self.n_members, self.units), penalized=False),)

    def config(self):
        return {"units": self.units, "n_members": self.n_members, "init": self.init, "chunks": self.chunks}

    def initialize(self, rng):
        widths = self.chunks or [1] * self.units
        shape = (self.n_members, len(widths))
        if self.init == "random_signs":
            draws = rng.choice(np.array([-1.0, 1.0]), size=shape)
        elif self.init == "normal":
            draws = rng.normal(size=shape)
        else:
            draws = np.ones(shape)
        self.r[...] = np.repeat(draws, widths, axis=1)

    def _stack(self, a, out):
        np.multiply(a[None, :, :], self.r[:, None, :], out=out.reshape(self.n_members, *a.shape))
        return out

    def forward_train(self, a, update_stats=True):
        self._a = a
        return self._stack(a, self.buffer("out", (self.n_members * a.shape[0], self.units)))

    def backward(self, dout, need_d_in=True):
        per_member = dout.reshape(self.n_members, self._a.shape[0], self.units)
        np.einsum("kmu,mu->ku", per_member, self._a, out=self.dr)
        if not need_d_in:
            return None
        return np.einsum("kmu,ku->mu", per_member, self.r, out=self.buffer("da", self._a.shape))

    def forward_predict(self, a, rng=None):
        out = np.empty((self.n_members * a.shape[0], self.units), np.result_type(a.dtype, self.dtype))
        return self._stack(a, out)
