"""The layer kinds, one module each, and the registry that rebuilds a layer from its saved state.

The protocol every kind follows is in ``base.py``. Adding a kind is one module here plus one entry
in ``LAYER_KINDS``.
"""

from .activation import Activation
from .base import Layer, Param
from .batch_norm import BN_EPS, BatchNorm
from .dense import Dense
from .dropout import Dropout, draw_keep_mask
from .feature_scale import FeatureScale
from .member_adapter import ADAPTER_INITS, MemberAdapter
from .member_head import MemberHead, mean_output_logits
from .periodic import PERIODIC_VARIANTS, PeriodicEmbedding
from .piecewise_linear import PiecewiseLinearEncoding, quantile_edges

__all__ = [
    "ADAPTER_INITS",
    "BN_EPS",
    "LAYER_KINDS",
    "PERIODIC_VARIANTS",
    "Activation",
    "BatchNorm",
    "Dense",
    "Dropout",
    "FeatureScale",
    "Layer",
    "MemberAdapter",
    "MemberHead",
    "Param",
    "PeriodicEmbedding",
    "PiecewiseLinearEncoding",
    "draw_keep_mask",
    "layer_from_state",
    "mean_output_logits",
    "quantile_edges",
]

LAYER_KINDS = {
    layer.kind: layer
    for layer in (
        Dense,
        BatchNorm,
        Activation,
        Dropout,
        FeatureScale,
        PeriodicEmbedding,
        PiecewiseLinearEncoding,
        MemberAdapter,
        MemberHead,
    )
}


def layer_from_state(state):
    """A new layer of ``state["kind"]`` built from its ``to_state()`` dict (arrays not yet loaded)."""
    kind = state.get("kind")
    if kind not in LAYER_KINDS:
        raise ValueError(f"layer kind must be one of {sorted(LAYER_KINDS)}, got {kind!r}")
    cls = LAYER_KINDS[kind]
    return cls(**{key: value for key, value in state.items() if key != "kind" and key not in cls.state_names})
