"""Periodic embeddings of numeric columns (Gorishniy et al. 2022; RealMLP's PBLD variant)."""

import numpy as np

from .base import Layer, Param
from .columns import EmbeddedColumns

__all__ = ["PERIODIC_VARIANTS", "PeriodicEmbedding"]

PERIODIC_VARIANTS = ("pbld", "plr")
TWO_PI = 2.0 * np.pi


class PeriodicEmbedding(Layer):
    """Each embedded column ``x_j`` becomes ``d`` learned periodic features; the others pass through.

    Per embedded column ``j``, with ``k`` learned frequencies ``w_j`` and a linear map
    ``(L_j, c_j)`` of its own::

        "pbld":  theta = 2*pi*w_j*x_j + phi_j,  h = cos(theta),         e_j = [h @ L_j + c_j, x_j]
        "plr":   theta = 2*pi*w_j*x_j,          h = [cos(theta), sin(theta)],  e_j = relu(h @ L_j + c_j)

    ``"pbld"`` (RealMLP's default: periodic, bias (the phase ``phi_j``), linear, DenseNet-style
    concatenation of ``x_j`` itself) maps ``k`` cosines to ``d - 1`` values and appends ``x_j``;
    ``"plr"`` (the paper's PLR: periodic, linear, ReLU) maps ``k`` cosines and ``k`` sines to
    ``d`` values. Backward, with ``g`` the gradient of the linear part of ``e_j`` (times
    ``[z > 0]`` for plr) and ``dtheta = -sin(theta)*dh_cos + cos(theta)*dh_sin``::

        dL_j = h.T @ g,  dc_j = sum_rows(g),  dh = g @ L_j.T
        dw_j = 2*pi * sum_rows(dtheta * x_j),  dphi_j = sum_rows(dtheta),
        dx_j = 2*pi * dtheta @ w_j  (+ the gradient of the appended x_j, pbld)

    Initialization: ``w ~ N(0, frequency_scale**2)`` (RealMLP uses 0.1; the scale is the
    embedding's prior on how fast the target varies with a standardized input), ``phi ~ U(-pi, pi)``,
    ``L, c ~ U(-1/sqrt(k_in), 1/sqrt(k_in))`` with ``k_in`` the rows of ``L_j``. The maps
    ``L_j`` are penalized weights (stored side by side as one ``(k_in, F*d_lin)`` matrix whose
    column ``j*d_lin + t`` holds the incoming weights of output ``t`` of column ``j``, so max-norm
    clips each output unit); the frequencies, phases and biases are not (``MATH.md`` section 2:
    a penalty on ``w`` would pull every embedding toward a constant, not keep weights small).

    Shape: ``a`` ``(m, n_in)`` -> ``(m, F*d + n_in - F)``, ``F = len(columns)``: the ``F`` blocks
    of ``d`` values first, then the other columns; ``frequencies``, ``phases`` ``(F, k)``,
    ``W`` ``(k_in, F*d_lin)``, ``b`` ``(F, d_lin)``, ``k_in = k`` (pbld) or ``2k`` (plr),
    ``d_lin = d - 1`` (pbld) or ``d`` (plr).

    Parameters
    ----------
    n_in : int
        Columns of the input.
    columns : list of int
        The columns to embed (increasing); the others pass through.
    n_frequencies : int
        ``k``, frequencies per column.
    embedding_dim : int
        ``d``, values per embedded column (at least 2 for pbld).
    frequency_scale : float
        ``sigma`` of the frequencies' initialization.
    variant : {"pbld", "plr"}
    """

    kind = "periodic_embedding"

    def __init__(self, n_in, columns, n_frequencies=16, embedding_dim=4, frequency_scale=0.1, variant="pbld"):
        super().__init__()
        if variant not in PERIODIC_VARIANTS:
            raise ValueError(f"variant must be one of {PERIODIC_VARIANTS}, got {variant!r}")
        if int(n_frequencies) < 1:
            raise ValueError(f"n_frequencies must be >= 1, got {n_frequencies!r}")
        if int(embedding_dim) < (2 if variant == "pbld" else 1):
            raise ValueError(f"embedding_dim must be >= 2 for pbld and >= 1 for plr, got {embedding_dim!r}")
        self.split = EmbeddedColumns(n_in, columns)
        self.n_in, self.variant = self.split.n_in, variant
        self.n_frequencies, self.embedding_dim = int(n_frequencies), int(embedding_dim)
        self.frequency_scale = float(frequency_scale)
        self.n_features = len(self.split.columns)
        self.k_in = self.n_frequencies * (1 if variant == "pbld" else 2)
        self.d_lin = self.embedding_dim - (1 if variant == "pbld" else 0)
        self.n_out = self.n_features * self.embedding_dim + len(self.split.rest)

    def params(self):
        F, k = self.n_features, self.n_frequencies
        params = [Param("W", (self.k_in, F * self.d_lin), True), Param("frequencies", (F, k), False)]
        if self.variant == "pbld":
            params.append(Param("phases", (F, k), False))
        return (*params, Param("b", (F, self.d_lin), False))

    def config(self):
        return {
            "n_in": self.n_in,
            "columns": list(self.split.columns),
            "n_frequencies": self.n_frequencies,
            "embedding_dim": self.embedding_dim,
            "frequency_scale": self.frequency_scale,
            "variant": self.variant,
        }

    def initialize(self, rng):
        self.frequencies[...] = rng.normal(0.0, self.frequency_scale, size=self.frequencies.shape)
        if self.variant == "pbld":
            self.phases[...] = rng.uniform(-np.pi, np.pi, size=self.phases.shape)
        bound = 1.0 / np.sqrt(self.k_in)
        self.W[...] = rng.uniform(-bound, bound, size=self.W.shape)
        self.b[...] = rng.uniform(-bound, bound, size=self.b.shape)

    def _maps(self, W):
        """``W`` as ``F`` matrices ``(k_in, d_lin)``, one per embedded column (a view)."""
        return W.reshape(self.k_in, self.n_features, self.d_lin).transpose(1, 0, 2)

    def _embed(self, a, out, buffer):
        """Fill ``out`` and return ``(xT, theta, h, z)``, column-major: ``xT`` ``(F, m)``,
        ``theta`` ``(F, m, k)``, ``h`` ``(F, m, k_in)`` and the linear part ``z`` ``(F, m, d_lin)``;
        ``buffer(name, shape)`` gives their arrays."""
        m, F, k, d = a.shape[0], self.n_features, self.n_frequencies, self.embedding_dim
        x = self.split.embedded(a)
        xT = np.ascontiguousarray(x.T)
        theta = buffer("theta", (F, m, k))
        np.einsum("fm,fk->fmk", xT, TWO_PI * self.frequencies, out=theta)  # outer products
        h = buffer("h", (F, m, self.k_in))
        if self.variant == "pbld":
            theta += self.phases[:, None, :]
            np.cos(theta, out=h)
        else:
            np.cos(theta, out=h[:, :, :k])
            np.sin(theta, out=h[:, :, k:])
        z = np.matmul(h, self._maps(self.W), out=buffer("z", (F, m, self.d_lin)))
        z += self.b[:, None, :]
        blocks = out[:, : F * d].reshape(m, F, d)  # a view: splits each row's first F*d values
        blocks[:, :, : self.d_lin] = z.transpose(1, 0, 2)
        if self.variant == "pbld":
            blocks[:, :, self.d_lin] = x
        else:
            np.maximum(blocks, 0.0, out=blocks)
        self.split.pass_through(a, out)
        return xT, theta, h, z

    def forward_train(self, a, update_stats=True):
        out = self.buffer("out", (a.shape[0], self.n_out))
        self._xT, self._theta, self._h, self._z = self._embed(a, out, self.buffer)
        return out

    def backward(self, dout, need_d_in=True):
        m, F, d, k = dout.shape[0], self.n_features, self.embedding_dim, self.n_frequencies
        blocks = dout[:, : F * d].reshape(m, F, d)
        g = self.buffer("g", (F, m, self.d_lin))
        g[...] = blocks[:, :, : self.d_lin].transpose(1, 0, 2)
        if self.variant == "plr":
            g *= self._z > 0
        ones = self.buffer("ones", (1, m))
        ones[...] = 1.0  # sums over the rows as products with a row of ones: 10x faster than sum(axis=1)
        np.matmul(ones, g, out=self.db[:, None, :])
        self._maps(self.dW)[...] = np.matmul(self._h.transpose(0, 2, 1), g)
        dh = np.matmul(g, self._maps(self.W).transpose(0, 2, 1), out=self.buffer("dh", self._h.shape))
        if self.variant == "pbld":  # dtheta = -sin(theta) * dh
            dtheta = np.sin(self._theta, out=self._theta)
            dtheta *= dh
            np.negative(dtheta, out=dtheta)
            np.matmul(ones, dtheta, out=self.dphases[:, None, :])
        else:  # dtheta = cos(theta) * dh_sin - sin(theta) * dh_cos, with cos and sin kept in h
            dtheta = np.multiply(self._h[:, :, :k], dh[:, :, k:], out=self._theta)
            dtheta -= self._h[:, :, k:] * dh[:, :, :k]
        np.matmul(self._xT[:, None, :], dtheta, out=self.dfrequencies[:, None, :])
        self.dfrequencies *= TWO_PI
        if not need_d_in:
            return None
        dx = np.matmul(dtheta, (TWO_PI * self.frequencies)[:, :, None])[:, :, 0].T
        if self.variant == "pbld":
            dx = dx + blocks[:, :, self.d_lin]
        return self.split.input_gradient(dx, dout, self.buffer("da", (m, self.n_in)))

    def forward_predict(self, a, rng=None):
        dtype = np.result_type(a.dtype, self.dtype)
        out = np.empty((a.shape[0], self.n_out), dtype)
        self._embed(a, out, lambda name, shape: np.empty(shape, dtype))
        return out
