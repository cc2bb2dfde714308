"""The NumPy engine: layers, losses, penalties and optimizers on one flat parameter vector.

It imports neither scikit-learn nor Optuna; ``regtune.neural_network`` adapts it to the
scikit-learn estimator API. Conventions follow ``MATH.md`` (see each module's docstring). A network
is a list of layers (``Dense``, ``BatchNorm``, ``Activation``, ``Dropout``; the protocol a new kind
follows is in ``_layers/base.py``); ``mlp_layers`` builds the estimators' multi-layer perceptron.
"""

from ._activations import ACTIVATIONS, activation_backward_, activation_forward_
from ._chain import DenseChain, forward_dense
from ._initialization import initialize_from_data
from ._layers import (
    BN_EPS,
    LAYER_KINDS,
    Activation,
    BatchNorm,
    Dense,
    Dropout,
    Layer,
    Param,
    draw_keep_mask,
    layer_from_state,
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
from ._network import Network, mlp_layers
from ._optimizers import SGD, Adam, Penalties, cosine_schedule
from ._schedules import SCHEDULES, StepSchedule, coslog, flat_cos, schedule_factor
from ._training import Trainer, batch_slices, full_batch_objective, minimize_lbfgs

__all__ = [
    "ACTIVATIONS",
    "BN_EPS",
    "LAYER_KINDS",
    "LOSSES",
    "OUTPUT_ACTIVATIONS",
    "SCHEDULES",
    "SGD",
    "Activation",
    "Adam",
    "BatchNorm",
    "Dense",
    "DenseChain",
    "Dropout",
    "Layer",
    "Network",
    "Param",
    "Penalties",
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
    "full_batch_objective",
    "initialize_from_data",
    "layer_from_state",
    "loss_and_dz",
    "loss_value",
    "minimize_lbfgs",
    "mlp_layers",
    "output_transform",
    "prior_logits",
    "schedule_factor",
    "smooth_labels",
]
