"""Plain-data fitted state: the engine network to and from a dict of arrays, and input helpers.

A fitted estimator keeps only numpy arrays, numbers, strings, lists and dicts (``network_state_``),
so saving it needs no pickle and no regtune class; the engine ``Network`` is rebuilt on demand.
``network_state_`` is ``Network.state()``: ``{"layers": [{"kind": ..., settings, state arrays}, ...],
"dtype": ..., "theta": ...}``. Models saved by regtune 0.1.0 hold the earlier layout (``layer_sizes``,
``activation``, ``batch_norm``, ``dropout``, ``dropout_scaling``, ``bn_momentum``, ``dtype``,
``theta``, ``running_mean``, ``running_var``); it describes the same network with the same ``theta``
and is read by rebuilding that network's layer list.
"""

import numpy as np
from sklearn.utils import check_random_state

from ..nn import Network, mlp_layers

__all__ = [
    "as_array_like",
    "generator",
    "hidden_activation",
    "is_checked_matrix",
    "network_from_state",
    "network_state",
]


def as_array_like(X):
    """Keep arrays and frames; turn other array-likes into an array so float64 stays float64."""
    if X is None or hasattr(X, "dtype") or hasattr(X, "dtypes"):
        return X
    return np.asarray(X)


def generator(random_state):
    """A fresh numpy Generator derived from ``random_state`` (None, int or RandomState)."""
    return np.random.default_rng(check_random_state(random_state).randint(2**31 - 1))


def network_state(net):
    """Plain-data snapshot (copies) of a ``Network``: its layers, dtype and parameters."""
    return net.state()


def network_from_state(state):
    """Rebuild the engine ``Network`` from ``network_state_`` (either layout)."""
    return Network.from_state(state if "layers" in state else _from_layer_sizes_layout(state))


def hidden_activation(state):
    """The activation between the folded dense steps of ``network_state_`` (either layout)."""
    if "layers" not in state:
        return state["activation"]
    names = [layer["name"] for layer in state["layers"] if layer["kind"] == "activation"]
    return names[0] if names else "identity"


def _from_layer_sizes_layout(state):
    """The layer-list state of a 0.1.0 ``network_state_`` (same network, same ``theta``)."""
    layers = mlp_layers(
        state["layer_sizes"],
        state["activation"],
        state["batch_norm"],
        state["dropout"],
        state["dropout_scaling"],
        state["bn_momentum"],
    )
    statistics = iter(
        {"running_mean": mean, "running_var": var}
        for mean, var in zip(state["running_mean"], state["running_var"])
        if mean is not None
    )
    entries = [
        {"kind": layer.kind, **layer.config(), **(next(statistics) if layer.state_names else {})}
        for layer in layers
    ]
    return {"layers": entries, "dtype": state["dtype"], "theta": state["theta"]}


def is_checked_matrix(X, estimator):
    """Whether ``X`` is a finite 2-D float32/float64 ndarray of the fitted width, for an estimator
    fitted without feature names: ``validate_data`` would return it as is, with no warning."""
    return (
        type(X) is np.ndarray
        and X.ndim == 2
        and X.dtype in (np.float32, np.float64)
        and X.shape[0] >= 1
        and X.shape[1] == estimator.n_features_in_
        and not hasattr(estimator, "feature_names_in_")
        and bool(np.isfinite(X).all())
    )
