"""Hyperparameter tuning: ``tune`` searches a regularized network pipeline with Optuna.

``tune`` creates (or resumes) a study in an Optuna storage, runs its trials in this process or in
worker processes, and makes the final model (the best trial's fold ensemble, or a refit of its
configuration); ``worker`` joins an existing study from any machine.
``refit_best`` fits a study's best configuration on data, ``fit_configuration`` any configuration,
and ``save_result`` writes a result's model and best parameters. ``TabularRegressor`` and
``TabularClassifier`` are the pipeline untuned, with ``default_configuration(task)``.

The names are imported lazily, as in ``regtune``: ``from regtune.tuning import DEFAULT_STORAGE``
loads neither Optuna nor scikit-learn (the command line's ``--help`` stays fast).
"""

from .._lazy import lazy_names

_LAZY = {
    "DEFAULT_STORAGE": "._defaults",
    "Param": "._space",
    "SearchSpace": "._space",
    "TabularClassifier": "._estimators",
    "TabularRegressor": "._estimators",
    "TuneResult": "._result",
    "best_configuration": "._refit",
    "build_pipeline": "._pipeline",
    "column_encodings": "._pipeline",
    "default_configuration": "._pipeline",
    "fit_configuration": "._refit",
    "infer_task": "regtune._data",
    "list_studies": "._studies",
    "mask_password": "._storage",
    "open_storage": "._storage",
    "refit_best": "._refit",
    "save_result": "._save",
    "storage_error_reason": "._storage",
    "trial_origin": "._portfolio",
    "tune": "._tune",
    "worker": "._worker",
}

__all__ = list(_LAZY)


__getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())
