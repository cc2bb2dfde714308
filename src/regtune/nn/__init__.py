"""The NumPy engine: dense layers, batch norm, dropout, losses, penalties and optimizers.

It imports neither scikit-learn nor Optuna; ``regtune.neural_network`` adapts it to the
scikit-learn estimator API. Conventions follow ``MATH.md`` (see each module's docstring).
"""

from ._activations import ACTIVATIONS, activation_backward_, activation_forward_
from ._losses import LOSSES, loss_and_dz, loss_value, output_transform, prior_logits
from ._network import BN_EPS, Network, forward_dense
from ._optimizers import SGD, Adam, Penalties, cosine_schedule
from ._training import Trainer, full_batch_objective, minimize_lbfgs

__all__ = [
    "ACTIVATIONS",
    "BN_EPS",
    "LOSSES",
    "SGD",
    "Adam",
    "Network",
    "Penalties",
    "Trainer",
    "activation_backward_",
    "activation_forward_",
    "cosine_schedule",
    "forward_dense",
    "full_batch_objective",
    "loss_and_dz",
    "loss_value",
    "minimize_lbfgs",
    "output_transform",
    "prior_logits",
]
