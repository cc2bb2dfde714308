"""Piecewise-linear encoding of numeric columns (Gorishniy et al. 2022), with bins from training quantiles."""

import numpy as np

from .base import Layer
from .columns import EmbeddedColumns

__all__ = ["PiecewiseLinearEncoding", "quantile_edges"]


# An edge this share of the column's range (or less) above the previous one is a repeat of it.
EDGE_RESOLUTION = 1e-5


def quantile_edges(x, n_bins, sample_weight=None):
    """Bin edges of one column: its ``t/n_bins`` quantiles, ``t = 0..n_bins``, repeated values once.

    The quantile ``q`` is the smallest value whose (weighted) share of rows reaches ``q`` (the
    inverted empirical distribution), over the rows of positive weight, so a row of weight 2
    counts as that row twice. At most ``n_bins + 1`` edges from the minimum to the maximum; a
    column with a single value gets the edges ``[v, v + 1]`` (one bin). An edge closer than
    ``EDGE_RESOLUTION`` times the column's range to the one before it counts as a repeat and is
    dropped (the maximum stays the last edge): such a bin separates values that differ by noise
    (one category's cross-fitted target encodings, 1e-8 apart), and float32, in which an ONNX
    export computes, cannot tell its ends apart.

    Shape: ``x`` ``(n,)`` -> ``(n_edges,)``.
    """
    x = np.asarray(x, dtype=np.float64)
    w = np.ones_like(x) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    keep = w > 0
    order = np.argsort(x[keep], kind="stable")
    values, cumulative = x[keep][order], np.cumsum(w[keep][order])
    targets = np.linspace(0.0, 1.0, int(n_bins) + 1) * cumulative[-1]
    positions = np.minimum(np.searchsorted(cumulative, targets, side="left"), values.size - 1)
    edges = np.unique(values[positions])
    if edges.size == 1:
        return np.array([edges[0], edges[0] + 1.0])
    resolution = EDGE_RESOLUTION * (edges[-1] - edges[0])
    kept = [edges[0]]
    for edge in edges[1:]:
        if edge - kept[-1] >= resolution:
            kept.append(edge)
    kept[-1] = edges[-1]  # the maximum ends the last bin (it replaces an edge just below it)
    return np.asarray(kept)


class PiecewiseLinearEncoding(Layer):
    """Each embedded column ``x_j`` becomes one value per bin of its training distribution.

    With bin ``t`` of column ``j`` between the edges ``e_t < e_{t+1}`` (quantiles of the training
    rows, fixed at fit)::

        u_t = (x_j - e_t) / (e_{t+1} - e_t)
        out_t = clip(u_t, 0, 1)   (0 left of the bin, 1 right of it, a ramp inside)
        dx_j = sum_t dout_t * [lower_t < u_t < upper_t] / (e_{t+1} - e_t)

    The first bin has no lower clip and the last no upper clip (``lower = -inf``, ``upper =
    inf``), as in the paper, so values outside the training range keep a slope; a column with one
    bin is ``u_0`` itself. Nothing is learned: the dense layer after it weighs the bins (a
    per-column linear embedding would be a factor of that layer's weights, see
    ``docs/conventions.md``). The edges are saved with the layer (``state_names``).

    Shape: ``a`` ``(m, n_in)`` -> ``(m, T + n_in - F)``, ``F = len(columns)``, ``T = sum(n_bins)``:
    the bins of the embedded columns first, then the other columns; ``edges``
    ``(T + F,)``, the ``n_bins[j] + 1`` edges of each column in turn.

    Parameters
    ----------
    n_in : int
        Columns of the input.
    columns : list of int
        The columns to encode (increasing); the others pass through.
    n_bins : list of int
        Bins of each encoded column (at least 1).
    """

    kind = "piecewise_linear_encoding"
    state_names = ("edges",)

    def __init__(self, n_in, columns, n_bins):
        super().__init__()
        self.split = EmbeddedColumns(n_in, columns)
        self.n_in, self.n_bins = self.split.n_in, [int(t) for t in n_bins]
        if len(self.n_bins) != len(self.split.columns) or min(self.n_bins) < 1:
            raise ValueError(f"n_bins must hold one count >= 1 per column, got {n_bins!r} for {columns!r}")
        T = sum(self.n_bins)
        self.n_out = T + len(self.split.rest)
        self.edges = np.zeros(T + len(self.n_bins))
        self._first = np.cumsum([0, *self.n_bins[:-1]])  # the first bin of each column
        feature = np.repeat(np.arange(len(self.n_bins)), self.n_bins)  # the column of each bin
        self._source = np.array(self.split.columns)[feature]  # its input column
        self._left = np.arange(T) + feature  # the edge index of each bin's left end
        t = np.arange(T) - self._first[feature]  # the bin's index within its column
        last = np.array(self.n_bins)[feature] - 1
        self._lower = np.where(t == 0, -np.inf, 0.0)
        self._upper = np.where(t == last, np.inf, 1.0)

    @classmethod
    def from_rows(cls, X, columns, n_bins, sample_weight=None):
        """The encoding of ``X[:, columns]`` with up to ``n_bins`` quantile bins per column."""
        edges = [quantile_edges(X[:, c], n_bins, sample_weight) for c in columns]
        layer = cls(X.shape[1], columns, [e.size - 1 for e in edges])
        layer.edges[...] = np.concatenate(edges)
        return layer

    def config(self):
        return {"n_in": self.n_in, "columns": list(self.split.columns), "n_bins": list(self.n_bins)}

    def _ramps(self, a):
        """``(u, inv_width)``: each bin's unclipped ramp ``u`` ``(m, T)`` and ``1/width`` ``(T,)``."""
        left = self.edges[self._left]
        inv_width = 1.0 / (self.edges[self._left + 1] - left)
        u = a[:, self._source]
        u -= left.astype(u.dtype)
        u *= inv_width.astype(u.dtype)
        return u, inv_width

    def _encode(self, a, out):
        u, inv_width = self._ramps(a)
        T = u.shape[1]
        np.clip(u, self._lower, self._upper, out=out[:, :T])
        self.split.pass_through(a, out)
        return u, inv_width

    def forward_train(self, a, update_stats=True):
        out = self.buffer("out", (a.shape[0], self.n_out))
        u, inv_width = self._encode(a, out)
        self._slope = ((u > self._lower) & (u < self._upper)) * inv_width.astype(self.dtype)
        return out

    def backward(self, dout, need_d_in=True):
        if not need_d_in:
            return None
        du = dout[:, : self._slope.shape[1]] * self._slope
        dx = np.add.reduceat(du, self._first, axis=1)
        return self.split.input_gradient(dx, dout, self.buffer("da", (dout.shape[0], self.n_in)))

    def forward_predict(self, a, rng=None):
        out = np.empty((a.shape[0], self.n_out), np.result_type(a.dtype, self.dtype))
        self._encode(a, out)
        return out
