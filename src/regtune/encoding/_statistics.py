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


def centered_sums(key, n_groups, Yt, w, W, S, centers, codes=None):
    """Sums ``R1``, ``R2`` (shape ``(n_groups, q)``) of ``w * r`` and ``w * r**2`` per group,
    where ``r = y - centers[codes]`` (``centers`` of shape ``(n_centers, q)``, one center
    without ``codes``; groups are ``fold * n_centers + code``).

    ``R1 = S - W * center`` exactly, from the group sums ``W``, ``S``: only ``R2`` needs a pass
    over the rows.
    """
    group_centers = np.tile(centers, (n_groups // len(centers), 1))
    R1 = S - W * group_centers
    R2 = []
    for y, center in zip(Yt, centers.T):
        if codes is None:
            r = y - center
        else:
            r = center[codes]
            np.subtract(y, r, out=r)
        np.square(r, out=r)
        if w is not None:
            r *= w
        R2.append(_sums(key, n_groups, r))
    return R1, np.stack(R2, axis=1)


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


def priors(sums, centers, n_folds, bounds, cross=True):
    """Prior ``p`` and target variance ``tau2`` of all rows and of each fold's training part,
    from one column's per-(fold, group) sums: every row is in exactly one group of a column (the
    missing value is a group), so these sums cover all rows and the priors cost no pass over
    the rows.

    The variance around the mean ``m`` follows from the sums around each group's center ``c``:
    ``sum w (y - m)**2 = sum_g R2_g + 2 (c_g - m) R1_g + W_g (c_g - m)**2`` (all terms but the
    small ``R1`` one are non-negative: no catastrophic cancellation).

    Parameters
    ----------
    sums : (W, S, R1, R2)
        Per-(fold, group) sums of shapes ``(n_folds * G, 1)`` and ``(n_folds * G, q)``
        (``R1``, ``R2`` None when the variance is not needed).
    centers : ndarray of shape (G, q) or None
        The center of each group's ``R1``, ``R2``.
    n_folds : int
    bounds : (ndarray of shape (q,), ndarray of shape (q,))
    cross : bool, default=True
        Also compute each fold's training part (False: ``n_folds`` must be 1).

    Returns
    -------
    prior, tau2 : ndarray of shape (1, q)
        All rows (``tau2`` is None without ``R1``, ``R2``).
    fold_prior, fold_tau2 : ndarray of shape (n_folds, q) or None
        Training part of each fold (None when ``cross`` is False).
    """
    train, total = split_sums(sums, n_folds)
    out = [None] * 4
    with np.errstate(divide="ignore", invalid="ignore"):  # a weightless part: checked later
        for i, (W, S, R1, R2) in enumerate((total, train) if cross else (total,)):
            weight = W.sum(axis=1)  # (parts, 1)
            mean = S.sum(axis=1) / weight  # (parts, q)
            out[2 * i] = np.clip(mean, *bounds)  # a mean of y, up to rounding
            if R2 is not None:
                d = centers[None, :, :] - mean[:, None, :]
                spread = (R2 + 2.0 * d * R1 + W * d**2).sum(axis=1)
                out[2 * i + 1] = np.maximum(spread, 0.0) / weight
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
