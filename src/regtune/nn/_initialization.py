"""Data-dependent initialization: hidden units scaled to the data and cut through it.

After the usual initialization (Glorot-uniform weights), each hidden dense layer in turn, on a batch
``A`` of training rows propagated through the layers before it (prediction mode), gets:

1. unit variance: column ``j`` of ``W`` is divided by ``std_i((A W)_ij)`` (left alone when that
   is 0, for a unit the batch does not move), so every pre-activation has standard deviation 1 on
   the batch, whatever the scale of the inputs or the layer's width;
2. a kink inside the data: for each unit ``j``, ``k = 5`` rows ``i_1..i_k`` are drawn at random
   (with probability proportional to the sample weights) and mixed with weights
   ``lam ~ Dirichlet(1, ..., 1)``, and the shift puts the unit's zero at their mixture,
   ``b_j = -sum_r lam_r (A W)_{i_r j}``. So the pre-activation ``z_j = (A W)_j + b_j`` is zero at a
   random point of the data's convex hull: each ReLU starts active on some rows and inactive on
   others (none dead, none linear over all the data).

With batch norm after the dense layer (which then has no bias), step 2 sets the batch norm's shift
``beta_j`` from the normalized ``z_hat`` instead, with ``gamma = 1``. The output layer keeps its
initialization (the estimators set its bias to the prior). This follows the semantics of RealMLP's
"std" weight and "he+5" bias initializations (Holzmueller et al. 2024), written for this engine.

With sample weights, rows of weight 0 are left out and the standard deviation of step 1 is the
weighted one (batch norm's own statistics are unweighted, and so is its ``z_hat`` here).

Shape: ``X`` ``(m, n_features)``; at most ``max_rows`` rows, drawn at random, are used.
"""

import numpy as np

from ._layers import BN_EPS

__all__ = ["initialize_from_data"]

N_POINTS = 5


def initialize_from_data(network, X, rng, sample_weight=None, max_rows=2048, n_points=N_POINTS):
    """Rescale and shift the hidden dense layers of an initialized ``network`` on data ``X``.

    Parameters
    ----------
    network : Network
        Already initialized (its weights give the directions; only scales and shifts change).
    X : ndarray of shape (m, n_features)
        Training rows.
    rng : numpy.random.Generator
    sample_weight : ndarray of shape (m,), optional
    max_rows : int
        Rows used at most (a random subset of that size when ``m`` is larger).
    n_points : int
        Rows mixed into each unit's kink.
    """
    w = None
    if sample_weight is not None:
        w = np.asarray(sample_weight, dtype=np.float64)
        X, w = X[w > 0], w[w > 0]
    if X.shape[0] > max_rows:
        rows = np.sort(rng.choice(X.shape[0], size=max_rows, replace=False))
        X, w = X[rows], None if w is None else w[rows]
    a = np.array(X, dtype=np.float64)
    layers = network.layers
    last_dense = max((i for i, layer in enumerate(layers) if layer.kind == "dense"), default=-1)
    i = 0
    while i < len(layers):
        layer = layers[i]
        if layer.kind != "dense" or i == last_dense:
            a = np.asarray(layer.forward_predict(a.astype(network.dtype, copy=False)), dtype=np.float64)
            i += 1
            continue
        W = layer.W.astype(np.float64)
        z = a @ W
        std = np.sqrt(np.average((z - np.average(z, axis=0, weights=w)) ** 2, axis=0, weights=w))
        moving = std > 0
        W[:, moving] /= std[moving]
        z[:, moving] /= std[moving]
        layer.W[...] = W
        following = layers[i + 1] if i + 1 < len(layers) else None
        if layer.bias:
            shift = -_kink_points(z, w, rng, n_points)
            layer.b[...] = shift
            a = z + shift
            i += 1
        elif following is not None and following.kind == "batch_norm":
            z_hat = (z - z.mean(axis=0)) / np.sqrt(z.var(axis=0) + BN_EPS)
            shift = -_kink_points(z_hat, w, rng, n_points)
            following.gamma[...] = 1.0
            following.beta[...] = shift
            a = z_hat + shift
            i += 2
        else:
            a = z
            i += 1


def _kink_points(z, w, rng, n_points):
    """Per column ``j``: ``sum_r lam_r z[i_r, j]``, rows ``i_r`` drawn with probability
    proportional to ``w`` (uniform when None), ``lam ~ Dirichlet(1)``."""
    m, units = z.shape
    if w is None:
        rows = rng.integers(0, m, size=(n_points, units))
    else:
        rows = rng.choice(m, size=(n_points, units), p=w / w.sum())
    lam = rng.exponential(size=(n_points, units))
    lam /= lam.sum(axis=0)
    return np.einsum("ru,ru->u", lam, z[rows, np.arange(units)])
