"""The parameter section shared by both estimators' docstrings, written from the hyperparameter table."""

from .._hyperparameters import MLP, parameters_doc

__all__ = ["PARAMETERS_DOC"]

PARAMETERS_DOC = parameters_doc(MLP)
