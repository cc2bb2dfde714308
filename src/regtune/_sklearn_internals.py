"""The one door to scikit-learn's private API: every access regtune makes past a leading underscore.

scikit-learn has no public equivalent of these names. Nothing else in regtune imports a private
scikit-learn module or calls a private function or method; when a release changes one of them,
``tests/test_sklearn_internals.py`` fails loudly (``test_the_private_names_exist_with_their_
signatures`` for every name and signature below, and one behaviour test each):

* :class:`Interval`, :class:`Options`, :class:`StrOptions`: the parameter constraints of
  ``sklearn.utils._param_validation``, read by ``BaseEstimator._validate_params`` from an
  estimator's ``_parameter_constraints`` (``test_constraints_refuse_a_bad_parameter``).
* :func:`validate_params`: ``BaseEstimator._validate_params()``, which checks an estimator's
  parameters against its ``_parameter_constraints`` (``test_constraints_refuse_a_bad_parameter``).
* :func:`check_sample_weight`: ``sklearn.utils.validation._check_sample_weight`` with the keywords
  ``dtype`` and ``ensure_non_negative`` (``test_check_sample_weight``).
* :func:`scorer_function`: the metric function behind a scorer name, the ``_score_func`` attribute
  of the object ``sklearn.metrics.get_scorer`` returns (``test_scorer_function``).
* :func:`kfold_test_indices` and :func:`stratified_test_folds`: the fold assignments the K-fold
  splitters' ``split`` is built on, ``KFold._iter_test_indices(X, y)`` and
  ``StratifiedKFold._make_test_folds(X, y)`` (``test_fold_assignments_match_split``).
"""

from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import _check_sample_weight

__all__ = [
    "Interval",
    "Options",
    "StrOptions",
    "check_sample_weight",
    "kfold_test_indices",
    "scorer_function",
    "stratified_test_folds",
    "validate_params",
]


def validate_params(estimator):
    """Check ``estimator``'s parameters against its ``_parameter_constraints``; raise ``ValueError``
    (scikit-learn's ``InvalidParameterError``) naming the parameter, the rule and the value."""
    estimator._validate_params()


def check_sample_weight(sample_weight, X, *, dtype=None, ensure_non_negative=False):
    """``sample_weight`` as a validated 1-D array of ``X``'s length (all ones when None).

    Raises ``ValueError`` for a wrong shape or length, and for a negative weight when
    ``ensure_non_negative``.
    """
    return _check_sample_weight(sample_weight, X, dtype=dtype, ensure_non_negative=ensure_non_negative)


def scorer_function(name):
    """The metric function behind the scorer ``name`` (``get_scorer("r2")`` -> ``r2_score``)."""
    from sklearn.metrics import get_scorer

    return get_scorer(name)._score_func


def kfold_test_indices(splitter, X, y):
    """The validation rows of each fold of a ``KFold``, in fold order (as ``split`` yields them),
    without building the training rows."""
    return splitter._iter_test_indices(X, y)


def stratified_test_folds(splitter, X, y):
    """The fold of each row of a ``StratifiedKFold`` (as ``split`` assigns them)."""
    return splitter._make_test_folds(X, y)
