"""The NumPy engine: layers, losses, penalties and optimizers on one flat parameter vector.

It imports neither scikit-learn nor Optuna; ``regtune.neural_network`` adapts it to the
scikit-learn estimator API. Conventions follow ``MATH.md`` (see each module's docstring). A network
is a list of layers (``Dense``, ``BatchNorm``, ``Activation``, ``Dropout``, the numeric embeddings
``PeriodicEmbedding`` and ``PiecewiseLinearEncoding``, ``FeatureScale``, and the k-member
``MemberAdapter`` and ``MemberHead``; the protocol a new kind follows is in ``_layers/base.py``);
``mlp_layers`` builds the estimators' multi-layer perceptron.
"""

from ._activations import ACTIVATIONS, activation_backward_, activation_forward_
from ._chain import DenseChain, forward_dense
from ._initialization import initialize_from_data
from ._layers import (
    ADAPTER_INITS,
    BN_EPS,
    LAYER_KINDS,
    PERIODIC_VARIANTS,
    Activation,
    BatchNorm,
    Dense,
    Dropout,
    FeatureScale,
    Layer,
    MemberAdapter,
    MemberHead,
    Param,
    PeriodicEmbedding,
    PiecewiseLinearEncoding,
    draw_keep_mask,
    layer_from_state,
    mean_output_logits,
    quantile_edges,
)
from ._losses import (
    LOSSES,
    OUTPUT_ACTIVATIONS,
    loss_and_dz,
    loss_value,
    output_transform,
    prior_logits,
    smooth_labels,
)
from ._network import Network, forward_steps, mlp_layers
from ._optimizers import SGD, Adam, Penalties, cosine_schedule
from ._schedules import SCHEDULES, StepSchedule, coslog, flat_cos, schedule_factor
from ._training import Trainer, batch_slices, full_batch_objective, minimize_lbfgs

__all__ = [
    "ACTIVATIONS",
    "ADAPTER_INITS",
    "BN_EPS",
    "LAYER_KINDS",
    "LOSSES",
    "OUTPUT_ACTIVATIONS",
    "PERIODIC_VARIANTS",
    "SCHEDULES",
    "SGD",
    "Activation",
    "Adam",
    "BatchNorm",
    "Dense",
    "DenseChain",
    "Dropout",
    "FeatureScale",
    "Layer",
    "MemberAdapter",
    "MemberHead",
    "Network",
    "Param",
    "Penalties",
    "PeriodicEmbedding",
    "PiecewiseLinearEncoding",
    "StepSchedule",
    "Trainer",
    "activation_backward_",
    "activation_forward_",
    "batch_slices",
    "cosine_schedule",
    "coslog",
    "draw_keep_mask",
    "flat_cos",
    "forward_dense",
    "forward_steps",
    "full_batch_objective",
    "initialize_from_data",
    "layer_from_state",
    "loss_and_dz",
    "loss_value",
    "mean_output_logits",
    "minimize_lbfgs",
    "mlp_layers",
    "output_transform",
    "prior_logits",
    "quantile_edges",
    "schedule_factor",
    "smooth_labels",
]
