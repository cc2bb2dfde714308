"""Plain-data fitted state: the engine network to and from a dict of arrays, and input helpers.

A fitted estimator keeps only numpy arrays, numbers, strings, lists and dicts (``network_state_``),
so saving it needs no pickle and no regtune class; the engine ``Network`` is rebuilt on demand.
"""

import numpy as np
from sklearn.utils import check_random_state

from ..nn import Network

__all__ = ["as_array_like", "generator", "network_from_state", "network_state"]


def as_array_like(X):
    """Keep arrays and frames; turn other array-likes into an array so float64 stays float64."""
    if X is None or hasattr(X, "dtype") or hasattr(X, "dtypes"):
        return X
    return np.asarray(X)


def generator(random_state):
    """A fresh numpy Generator derived from ``random_state`` (None, int or RandomState)."""
    return np.random.default_rng(check_random_state(random_state).randint(2**31 - 1))


def network_from_state(state):
    """Rebuild the engine ``Network`` from the plain-data ``network_state_`` dict."""
    net = Network(
        state["layer_sizes"],
        state["activation"],
        state["batch_norm"],
        state["dropout"],
        state["dropout_scaling"],
        state["bn_momentum"],
        np.dtype(state["dtype"]),
    )
    net.theta[...] = state["theta"]
    for l, (mean, var) in enumerate(zip(state["running_mean"], state["running_var"])):
        if mean is not None:
            net.running_mean[l][...] = mean
            net.running_var[l][...] = var
    return net


def network_state(net):
    """Plain-data snapshot (copies) of a ``Network``'s configuration and parameters."""
    return {
        "layer_sizes": list(net.layer_sizes),
        "activation": net.activation,
        "batch_norm": net.batch_norm,
        "dropout": net.dropout,
        "dropout_scaling": net.dropout_scaling,
        "bn_momentum": net.bn_momentum,
        "dtype": net.dtype.name,
        "theta": net.theta.copy(),
        "running_mean": [None if m is None else m.copy() for m in net.running_mean],
        "running_var": [None if v is None else v.copy() for v in net.running_var],
    }
