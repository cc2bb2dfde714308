"""The output of a k-member network: one dense head per member; prediction averages the members."""

import numpy as np
from scipy.special import logsumexp

from .base import Layer, Param

__all__ = ["LINKS", "MemberHead", "mean_output_logits"]

LINKS = ("identity", "logistic", "softmax")


def mean_output_logits(link, z):
    """Logits whose ``link`` is the mean of the members' outputs ``link(z_i)``.

    ``identity``: ``mean_i z_i``. ``logistic``: ``log(p) - log(1 - p)`` of ``p = mean_i
    sigmoid(z_i)``, from ``log sigmoid(z) = -log(1 + e**-z)``. ``softmax``: ``log(p)`` of ``p =
    mean_i softmax(z_i)`` (softmax of it is ``p`` again). Computed with log-sum-exp, so no
    probability is rounded to 0 or 1 on the way.

    Shape: ``z`` ``(k, m, n_out)`` -> ``(m, n_out)``.
    """
    if link == "identity":
        return z.mean(axis=0)
    if link == "logistic":
        return logsumexp(-np.logaddexp(0, -z), axis=0) - logsumexp(-np.logaddexp(0, z), axis=0)
    if link == "softmax":
        log_p = z - logsumexp(z, axis=2, keepdims=True)
        return logsumexp(log_p, axis=0) - np.log(z.shape[0])
    raise ValueError(f"link must be one of {LINKS}, got {link!r}")


class MemberHead(Layer):
    """Member ``i``'s rows (``MemberAdapter``'s layout) through its own dense head ``(W_i, b_i)``.

    Training returns every member's logits; the loss is the mean of the members' losses (the
    targets are repeated per member, ``Network.member_targets``)::

        z[i*m + j] = a[i*m + j] @ W_i + b_i
        dW_i = a_i.T @ dz_i,   db_i = sum_rows(dz_i),   da_i = dz_i @ W_i.T

    Prediction returns, for each input row, the logits of the members' mean output: the mean
    logits (regression), the log-odds of the mean probability (binary) or the log of the mean
    class probabilities (multiclass), so the loss's link applied to them is the ensemble's
    prediction (``mean_output_logits``). ``W`` is penalized, ``b`` is not; Glorot-uniform as
    ``Dense``. It does not fold into dense steps.

    Shape: training ``a`` ``(k*m, n_in)`` -> ``(k*m, n_out)``, prediction -> ``(m, n_out)``;
    ``W`` ``(n_in, k*n_out)`` (column ``i*n_out + o``: member ``i``'s output ``o``, so max-norm
    clips each output unit), ``b`` ``(k, n_out)``.

    Parameters
    ----------
    n_in, n_out : int
        Units in and out of each head.
    n_members : int
        ``k``.
    link : {"identity", "logistic", "softmax"}
        The output activation of the loss, for averaging the members' outputs at prediction.
    glorot_factor : float
        Numerator of the initialization bound, as ``Dense``.
    """

    kind = "member_head"

    def __init__(self, n_in, n_out, n_members, link="identity", glorot_factor=6.0):
        super().__init__()
        if link not in LINKS:
            raise ValueError(f"link must be one of {LINKS}, got {link!r}")
        self.n_in, self.n_out, self.n_members = int(n_in), int(n_out), int(n_members)
        self.link, self.glorot_factor = link, float(glorot_factor)

    def params(self):
        k = self.n_members
        return (Param("W", (self.n_in, k * self.n_out), True), Param("b", (k, self.n_out), False))

    def config(self):
        return {
            "n_in": self.n_in,
            "n_out": self.n_out,
            "n_members": self.n_members,
            "link": self.link,
            "glorot_factor": self.glorot_factor,
        }

    def initialize(self, rng):
        bound = np.sqrt(self.glorot_factor / (self.n_in + self.n_out))
        self.W[...] = rng.uniform(-bound, bound, size=self.W.shape)
        self.b[...] = 0.0

    def _heads(self, W):
        """``W`` as ``k`` matrices ``(n_in, n_out)`` (a view)."""
        return W.reshape(self.n_in, self.n_members, self.n_out).transpose(1, 0, 2)

    def _per_member(self, a):
        """Rows ``(k*m, units)`` as ``(k, m, units)`` (a view)."""
        return a.reshape(self.n_members, a.shape[0] // self.n_members, a.shape[1])

    def _members(self, a):
        """Each member's logits, ``(k, m, n_out)``."""
        z = np.matmul(self._per_member(a), self._heads(self.W))
        z += self.b[:, None, :]
        return z

    def forward_train(self, a, update_stats=True):
        self._a = self._per_member(a)
        return self._members(a).reshape(a.shape[0], self.n_out)

    def backward(self, dz, need_d_in=True):
        dz = self._per_member(dz)
        dz.sum(axis=1, out=self.db)
        self._heads(self.dW)[...] = np.matmul(self._a.transpose(0, 2, 1), dz)
        if not need_d_in:
            return None
        da = np.matmul(dz, self._heads(self.W).transpose(0, 2, 1))
        return da.reshape(-1, self.n_in)

    def forward_predict(self, a, rng=None):
        return mean_output_logits(self.link, self._members(a)).astype(a.dtype, copy=False)
