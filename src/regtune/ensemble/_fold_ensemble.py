"""``FoldEnsemble``: the average of k fitted models, one per cross-validation fold.

Cross-validation fits one model per fold anyway; averaging them gives a final model without a refit,
and their disagreement is an uncertainty. For members ``m = 1 .. k``:

* regression: ``yhat(x) = (1/k) sum_m f_m(x)``, spread ``sqrt((1/k) sum_m (f_m(x) - yhat(x))^2)``;
* classification: ``p(x) = (1/k) sum_m p_m(x)`` (the mean of the class probabilities, not of
  the labels), the label is ``classes_[argmax_c p(x)[c]]``, spread per class as above.
"""

import numpy as np
from sklearn.base import BaseEstimator, clone, is_classifier
from sklearn.model_selection import check_cv
from sklearn.utils import get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

__all__ = ["FoldEnsemble"]


def _rows(data, index):
    if hasattr(data, "iloc"):  # a data frame or series
        return data.iloc[index]
    if hasattr(data, "tocsr"):  # a sparse matrix or array: rows are selected in CSR format
        return data.tocsr()[index]
    return data[index] if hasattr(data, "shape") else np.asarray(data)[index]


def _members_have(method):
    def check(ensemble):
        inner = ensemble.members_[0] if hasattr(ensemble, "members_") else ensemble.estimator
        return inner is not None and hasattr(inner, method)

    return check


class FoldEnsemble(BaseEstimator):
    """The mean prediction of fitted members, usually the k fold models of a cross-validation.

    Build it from models fitted already with :meth:`from_members` (no training), or let
    :meth:`fit` fit a clone of ``estimator`` on the training rows of each of the ``cv`` folds.

    Parameters
    ----------
    estimator : estimator, optional
        What :meth:`fit` clones for each fold (unused by :meth:`from_members`).
    cv : int or cross-validation splitter, default=5
        The folds of :meth:`fit` (``sklearn.model_selection.check_cv``: stratified for a classifier).

    Attributes
    ----------
    members_ : list of estimators
        The fitted members.
    classes_ : ndarray
        The class labels (classifiers; every member has the same).
    n_features_in_, feature_names_in_
        As the members' (every member must agree).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from regtune.ensemble import FoldEnsemble
    >>> X, y = np.arange(20.0).reshape(10, 2), np.arange(10.0)
    >>> members = [Ridge(alpha=a).fit(X, y) for a in (0.1, 10.0)]
    >>> ensemble = FoldEnsemble.from_members(members)
    >>> mean, std = ensemble.predict(X[:2], return_std=True)
    >>> bool(np.allclose(mean, (members[0].predict(X[:2]) + members[1].predict(X[:2])) / 2))
    True
    """

    def __init__(self, estimator=None, *, cv=5):
        self.estimator = estimator
        self.cv = cv

    @classmethod
    def from_members(cls, members, *, estimator=None):
        """A fitted ensemble of ``members`` (fitted estimators of one kind), without training.

        Raises ``ValueError`` when ``members`` is empty, when classifiers disagree on
        ``classes_``, or when members disagree on their input features.
        """
        ensemble = cls(estimator=estimator)
        ensemble._set_members(list(members))
        return ensemble

    def fit(self, X, y):
        """Fit a clone of ``estimator`` on the training rows of each fold of ``cv``; return ``self``."""
        if self.estimator is None:
            raise ValueError("estimator must be an estimator to fit FoldEnsemble, got None")
        if y is None:
            raise ValueError("FoldEnsemble requires y to be passed, but the target y is None")
        splitter = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        y = np.asarray(y)
        members = [clone(self.estimator).fit(_rows(X, train), y[train]) for train, _ in splitter.split(X, y)]
        self._set_members(members)
        return self

    def _set_members(self, members):
        if not members:
            raise ValueError("members must hold at least one fitted estimator, got 0")
        first = members[0]
        if hasattr(first, "classes_"):
            for member in members[1:]:
                if not np.array_equal(member.classes_, first.classes_):
                    raise ValueError(
                        f"members must share classes_, got {first.classes_!r} and {member.classes_!r}"
                    )
            self.classes_ = np.asarray(first.classes_)
        for name in ("n_features_in_", "feature_names_in_"):
            values = [getattr(m, name, None) for m in members]
            if any(not np.array_equal(v, values[0]) for v in values[1:]):
                raise ValueError(f"members must agree on {name}, got {values[0]!r} and others")
            if values[0] is not None:
                setattr(self, name, values[0])
        self.members_ = members

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = self.members_[0] if hasattr(self, "members_") else self.estimator
        if inner is not None:
            inner_tags = get_tags(inner)
            tags.estimator_type = inner_tags.estimator_type
            tags.classifier_tags = inner_tags.classifier_tags
            tags.regressor_tags = inner_tags.regressor_tags
            tags.target_tags = inner_tags.target_tags
            tags.input_tags = inner_tags.input_tags
        return tags

    def _stack(self, method, X, predict_params):
        check_is_fitted(self)
        return np.stack(
            [np.asarray(getattr(m, method)(X, **predict_params), dtype=np.float64) for m in self.members_]
        )

    @available_if(_members_have("predict_proba"))
    def predict_proba(self, X, return_std=False, **predict_params):
        """Mean class probabilities of the members, shape ``(n_samples, n_classes)``.

        ``predict_params`` go to every member's ``predict_proba`` (e.g. ``mc_samples`` of
        regtune's networks). With ``return_std=True``, also the standard deviation over the
        members, as ``(mean, std)``.
        """
        stacked = self._stack("predict_proba", X, predict_params)
        mean = stacked.mean(axis=0)
        return (mean, stacked.std(axis=0)) if return_std else mean

    def predict(self, X, return_std=False, **predict_params):
        """The members' mean prediction (classifiers: the class of the mean probabilities).

        ``predict_params`` go to every member's ``predict`` (``predict_proba`` for classifiers).
        With ``return_std=True`` (regressors), also the standard deviation over the members, as
        ``(mean, std)``.
        """
        check_is_fitted(self)
        if hasattr(self, "classes_") and hasattr(self.members_[0], "predict_proba"):
            if return_std:
                raise ValueError(
                    "return_std=True is for regressors; for classifiers use predict_proba(X, return_std=True)"
                )
            return self.classes_[np.argmax(self.predict_proba(X, **predict_params), axis=1)]
        stacked = self._stack("predict", X, predict_params)
        mean = stacked.mean(axis=0)
        return (mean, stacked.std(axis=0)) if return_std else mean

    @available_if(_members_have("predict_proba"))
    def predict_log_proba(self, X, **predict_params):
        """Logarithm of :meth:`predict_proba`."""
        return np.log(self.predict_proba(X, **predict_params))

    def score(self, X, y, sample_weight=None):
        """Accuracy (classifiers) or R^2 (regressors) of :meth:`predict`."""
        from sklearn.metrics import accuracy_score, r2_score

        score = accuracy_score if is_classifier(self) else r2_score
        return float(score(y, self.predict(X), sample_weight=sample_weight))
