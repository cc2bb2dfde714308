"""Vectorized target statistics per category and per cross-fitting fold.

Notation (see ``MATH.md`` section 1), for one category ``c`` and the rows used to fit it:

* ``W_c = sum(w_i)``, ``S_c = sum(w_i * y_i)``, ``mean_c = S_c / W_c``
  (``w_i = 1`` without sample weights, so ``W_c = n_c``);
* prior ``p = sum(w_i * y_i) / sum(w_i)`` over all those rows;
* m-estimate: ``enc_c = (S_c + m * p) / (W_c + m)``;
* empirical Bayes ("auto"): ``lam_c = W_c * tau2 / (W_c * tau2 + s2_c)`` and
  ``enc_c = lam_c * mean_c + (1 - lam_c) * p``, with ``tau2`` the (weighted, population)
  variance of y and ``s2_c`` the (weighted, population) variance of y inside ``c``.

A category with no rows (``W_c = 0``), or with ``tau2 = s2_c = 0`` under "auto", gets the prior.

Cross fitting never loops over rows per fold. Each row gets the key ``fold * G + code`` (``G``
groups per fold: the categories plus the missing value); one ``np.bincount`` per statistic gives
the sums of every (fold, category) pair, and the statistics of fold ``k``'s training part are
"all folds minus fold k". Sums of squares are taken around each category's overall mean, so the
subtraction does not cancel catastrophically.

Targets are passed as ``Yt`` of shape ``(q, n_samples)``: one row per output column (1 for binary
and continuous targets, one indicator row per class for multiclass).
"""

import numpy as np

__all__ = ["centered_sums", "encode", "group_sums", "priors", "split_sums"]


def _sums(key, n_groups, weights):
    """``bincount`` with a float64 result, also without weights."""
    return np.bincount(key, weights=weights, minlength=n_groups).astype(np.float64, copy=False)


def group_sums(key, n_groups, Yt, w):
    """Weight ``W`` (shape ``(n_groups, 1)``) and target sums ``S`` (``(n_groups, q)``) of
    each group."""
    W = _sums(key, n_groups, w)[:, None]
    S = np.stack([_sums(key, n_groups, y if w is None else w * y) for y in Yt], axis=1)
    return W, S


def centered_sums(key, n_groups, Yt, w, centers, codes=None):
    """Sums ``R1``, ``R2`` (shape ``(n_groups, q)``) of ``r`` and ``r**2`` per group, where
    ``r = y - centers[codes]`` (``centers`` of shape ``(n_centers, q)``; one center without
    ``codes``)."""
    R1, R2 = [], []
    for y, center in zip(Yt, centers.T):
        r = center if codes is None else center[codes]
        r = np.subtract(y, r, out=r if codes is not None else None)
        wr = r if w is None else w * r
        R1.append(_sums(key, n_groups, wr))
        R2.append(_sums(key, n_groups, np.multiply(wr, r, out=wr if w is not None else None)))
    return np.stack(R1, axis=1), np.stack(R2, axis=1)


def split_sums(sums, n_folds):
    """Per-(fold, group) sums -> each fold's training part (all folds minus the fold) and the
    total over all rows, of shapes ``(n_folds, G, .)`` and ``(1, G, .)``."""
    train, total = [], []
    for a in sums:
        if a is None:
            train.append(None)
            total.append(None)
            continue
        a = a.reshape(n_folds, -1, a.shape[-1])
        t = a.sum(axis=0, keepdims=True)
        train.append(t - a)
        total.append(t)
    return train, total


def _variance(W, R1, R2):
    """Population variance from sums around a center: ``(R2 - R1**2 / W) / W``."""
    return np.maximum(R2 - R1**2 / W, 0.0) / W


def priors(Yt, w, bounds, fold=None, n_folds=1, need_variance=True):
    """Prior ``p`` and target variance ``tau2`` of all rows and of each fold's training part.

    Returns
    -------
    prior, tau2 : ndarray of shape (1, q)
        All rows (``tau2`` is None when ``need_variance`` is False).
    fold_prior, fold_tau2 : ndarray of shape (n_folds, q) or None
        Training part of each fold (None when ``fold`` is None).
    """
    key = np.zeros(Yt.shape[1], dtype=np.int64) if fold is None else fold
    W, S = group_sums(key, n_folds, Yt, w)
    sums = (W, S, None, None)
    if need_variance:
        center = S.sum(axis=0, keepdims=True) / W.sum()
        sums = (W, S, *centered_sums(key, n_folds, Yt, w, center))
    train, total = split_sums(sums, n_folds)
    out = [None] * 4
    for i, (W, S, R1, R2) in enumerate((total, train) if fold is not None else (total,)):
        out[2 * i] = np.clip(S[:, 0] / W[:, 0], *bounds)  # a mean of y, up to rounding
        out[2 * i + 1] = _variance(W, R1, R2)[:, 0] if need_variance else None
    return tuple(out)


def encode(W, S, R1, R2, prior, tau2, smooth, bounds):
    """Encoding of every (fold, category) pair from the sums of the rows that fit it.

    Parameters
    ----------
    W : ndarray of shape (n_folds, G, 1)
        Weight of each category.
    S, R1, R2 : ndarray of shape (n_folds, G, q)
        Target sums, and sums of ``r``, ``r**2`` around a center (``R1``, ``R2`` only for "auto").
    prior, tau2 : ndarray of shape (n_folds, q)
    smooth : float or "auto"
    bounds : (ndarray of shape (q,), ndarray of shape (q,))
        Smallest and largest target value.

    Returns
    -------
    encodings : ndarray of shape (n_folds, G, q)
    """
    p = prior[:, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.clip(S / W, *bounds)  # a mean of y: clipping only removes rounding
        if smooth == "auto":
            t2 = tau2[:, None, :]
            lam = W * t2 / (W * t2 + _variance(W, R1, R2))
            enc = np.where(np.isfinite(lam) & (W > 0), lam * mean + (1.0 - lam) * p, p)
        else:
            enc = np.where(W + smooth > 0, (S + smooth * p) / (W + smooth), p)
    # Both estimates are convex combinations of mean and p: clipping to that interval only
    # removes rounding (a binary rate of 1 + 1e-16) and keeps the bounds exact.
    return np.clip(enc, np.fmin(mean, p), np.fmax(mean, p))
