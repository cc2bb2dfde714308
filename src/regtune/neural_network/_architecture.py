"""The layer list an estimator trains, built from its parameters and the training rows.

In order: the numeric embedding of ``embedding_columns`` (``numeric_embedding``), the feature
scale (``feature_scaling``), the k-member adapter (``n_members > 1``), then the multi-layer
perceptron of ``nn.mlp_layers``, whose output layer becomes one head per member with
``n_members > 1``. With the defaults (no embedding, no scale, one member) it is exactly
``mlp_layers``, the network of earlier releases. Which columns are embedded, and the
piecewise-linear bins, are decided here from the training rows and saved with the layers.
"""

from numbers import Integral

import numpy as np

from ..nn import (
    OUTPUT_ACTIVATIONS,
    FeatureScale,
    MemberAdapter,
    MemberHead,
    PeriodicEmbedding,
    PiecewiseLinearEncoding,
    layer_from_state,
    mlp_layers,
)
from ._params import check_hidden_layer_sizes

__all__ = ["continuous_columns", "embedded_columns", "network_layers"]

_EMBEDDING_KINDS = (PeriodicEmbedding.kind, PiecewiseLinearEncoding.kind)


def continuous_columns(X, sample_weight=None):
    """Indices of the columns with more than 2 distinct values among the rows of positive weight.

    One-hot, signed binary (+-1) and missing-indicator columns have at most 2 and are left out.
    """
    if sample_weight is not None:
        X = X[np.asarray(sample_weight) > 0]
    found = []
    for j in range(X.shape[1]):
        column = X[:, j]
        others = column[column != column[0]] if column.size else column
        if others.size and np.any(others != others[0]):
            found.append(j)
    return found


def embedded_columns(spec, X, sample_weight=None):
    """The columns ``embedding_columns=spec`` names for the training rows ``X``, increasing."""
    if isinstance(spec, str):  # "continuous", the one word the parameter's constraint accepts
        return continuous_columns(X, sample_weight)
    columns = [spec] if isinstance(spec, Integral) else list(spec)
    n = X.shape[1]
    for c in columns:
        if not isinstance(c, Integral) or isinstance(c, bool) or not 0 <= c < n:
            raise ValueError(f"embedding_columns must hold column indices in [0, {n}), got {spec!r}")
    if len(set(columns)) != len(columns):
        raise ValueError(f"embedding_columns must not repeat a column, got {spec!r}")
    return sorted(int(c) for c in columns)


def _embedding(est, X, sample_weight, fitted):
    """The embedding layer (None when there is none), reusing a fitted one's columns and bins."""
    if est.numeric_embedding == "none":
        return None
    previous = _fitted_embedding(fitted)
    if (
        previous is not None
        and est.numeric_embedding == "ple"
        and previous.kind == PiecewiseLinearEncoding.kind
    ):
        return previous  # warm start: the saved bins define the encoding the weights were trained on
    if previous is not None:
        columns = previous.split.columns
    else:
        columns = embedded_columns(est.embedding_columns, X, sample_weight)
    if not columns:
        return None
    if est.numeric_embedding == "ple":
        return PiecewiseLinearEncoding.from_rows(X, columns, est.n_bins, sample_weight)
    if est.numeric_embedding == "pbld" and est.embedding_dim < 2:
        raise ValueError(
            "embedding_dim must be >= 2 with numeric_embedding='pbld' (embedding_dim - 1 learned "
            f"values and x itself), got {est.embedding_dim}"
        )
    return PeriodicEmbedding(
        X.shape[1],
        columns,
        n_frequencies=est.n_frequencies,
        embedding_dim=est.embedding_dim,
        frequency_scale=est.frequency_scale,
        variant=est.numeric_embedding,
    )


def _fitted_embedding(state):
    """The embedding layer of a fitted ``network_state_`` (with its saved arrays), or None."""
    entries = (state or {}).get("layers", [])
    if not entries or entries[0]["kind"] not in _EMBEDDING_KINDS:
        return None
    layer = layer_from_state(entries[0])
    layer.load_state(entries[0])
    return layer


def _column_widths(embedding, n_in):
    """The widths of each input column's values after ``embedding``: the member adapter's chunks."""
    if embedding is None:
        return None
    if embedding.kind == PiecewiseLinearEncoding.kind:
        blocks = embedding.n_bins
    else:
        blocks = [embedding.embedding_dim] * embedding.n_features
    return [*blocks, *[1] * len(embedding.split.rest)]


def network_layers(est, X, n_outputs, loss, sample_weight=None, fitted=None):
    """The layers of ``est``'s network for the training rows ``X`` and ``n_outputs`` logits.

    Parameters
    ----------
    est : BaseMLP
        Reads ``hidden_layer_sizes``, ``activation``, ``batch_norm``, ``dropout``,
        ``dropout_scaling``, ``bn_momentum``, ``numeric_embedding``, ``embedding_columns``,
        ``embedding_dim``, ``n_frequencies``, ``frequency_scale``, ``n_bins``,
        ``feature_scaling`` and ``n_members``.
    X : ndarray of shape (n, n_features)
        The training rows (which columns are continuous, the quantile bins).
    n_outputs : int
    loss : {"squared_error", "log_loss", "cross_entropy"}
        Its link averages the members' outputs at prediction.
    sample_weight : ndarray of shape (n,), optional
        Rows of weight 0 do not count for the columns or bins; weight 2 counts as the row twice.
    fitted : dict, optional
        ``network_state_`` of a fitted network (``warm_start``): its embedded columns and bins
        are kept.
    """
    sizes = check_hidden_layer_sizes(est.hidden_layer_sizes)
    embedding = _embedding(est, X, sample_weight, fitted)
    width = X.shape[1] if embedding is None else embedding.n_out
    layers = [] if embedding is None else [embedding]
    if est.feature_scaling:
        layers.append(FeatureScale(width))
    k = est.n_members
    if k > 1:  # TabM: random signs on raw inputs, normal draws shared per column with embeddings
        init = "random_signs" if embedding is None else "normal"
        layers.append(MemberAdapter(width, k, init, _column_widths(embedding, X.shape[1])))
    mlp = mlp_layers(
        (width, *sizes, n_outputs),
        est.activation,
        batch_norm=est.batch_norm,
        dropout=est.dropout,
        dropout_scaling=est.dropout_scaling,
        bn_momentum=est.bn_momentum,
    )
    if k > 1:
        out = mlp[-1]
        mlp[-1] = MemberHead(out.n_in, out.n_out, k, OUTPUT_ACTIVATIONS[loss], out.glorot_factor)
    return layers + mlp
