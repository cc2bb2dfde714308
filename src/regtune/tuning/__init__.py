"""Hyperparameter tuning: ``tune`` searches a regularized network pipeline with Optuna.

``tune`` creates (or resumes) a study in an Optuna storage, runs its trials in this process or in
worker processes, and refits the best pipeline; ``worker`` joins an existing study from any machine.
"""

from ._pipeline import build_pipeline, infer_task
from ._result import TuneResult
from ._space import Param, SearchSpace
from ._storage import mask_password, open_storage, storage_error_reason
from ._studies import list_studies
from ._tune import best_configuration, tune
from ._worker import worker

__all__ = [
    "Param",
    "SearchSpace",
    "TuneResult",
    "best_configuration",
    "build_pipeline",
    "infer_task",
    "list_studies",
    "mask_password",
    "open_storage",
    "storage_error_reason",
    "tune",
    "worker",
]
