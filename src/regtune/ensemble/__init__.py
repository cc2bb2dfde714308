"""Ensembles of fitted models: ``FoldEnsemble``, the average of the k fold models of a cross-validation.

A low-level package: it imports only NumPy and scikit-learn, and knows nothing of tuning.
"""

from ._fold_ensemble import FoldEnsemble

__all__ = ["FoldEnsemble"]
