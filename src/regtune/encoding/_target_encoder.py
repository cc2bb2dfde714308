"""The scikit-learn target encoder: cross fitting, sample weights, missing/unknown policies."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ._columns import as_columns, factorize, lookup
from ._folds import make_folds
from ._statistics import centered_sums, encode, group_sums, priors, split_sums
from ._target import check_sample_weight, encode_target

__all__ = ["TargetEncoder"]

_OPTIONS = {
    "target_type": ("auto", "binary", "multiclass", "continuous"),
    "handle_unknown": ("prior", "error", "nan"),
    "handle_missing": ("value", "prior"),
}


class TargetEncoder(TransformerMixin, BaseEstimator):
    """Replace each category by a smoothed mean of the target, leak-free on training rows.

    For a category ``c`` with weighted count ``W_c`` (``n_c`` without sample weights), target sum
    ``S_c`` and mean ``mean_c``, and the prior ``p`` (the weighted mean of y)::

        smooth = m:       enc_c = (S_c + m * p) / (W_c + m)
        smooth = "auto":  lam_c = W_c * tau2 / (W_c * tau2 + s2_c)
                          enc_c = lam_c * mean_c + (1 - lam_c) * p

    where ``tau2`` is the variance of y and ``s2_c`` the variance of y inside ``c``, both
    population (``ddof=0``) and weighted by ``sample_weight``. ``smooth=0`` is the plain category
    mean. A category without rows, or with ``tau2 = s2_c = 0`` under "auto", gets the prior.

    **fit_transform and fit().transform() differ, on purpose.** ``fit_transform`` encodes each
    training row *out of fold* (cross fitting): the rows are split into ``cv`` folds and a row in
    fold k is encoded with the statistics, prior included, of the other folds only. So a row's own
    target never enters its encoding, and a downstream model cannot learn the shortcut "this
    encoding equals my label" (with a rare category, the category mean *is* the label).
    ``fit(X, y).transform(X)`` encodes with statistics from all rows, own target included; that
    is right for new rows (validation, test, production), which is what ``transform`` is for,
    and wrong for the rows the model trains on. After ``fit_transform``, ``transform`` uses the
    all-rows statistics, exactly as after ``fit``.

    Shape: ``(n_samples, n_features)`` in, ``(n_samples, n_features * q)`` out, with ``q = 1``
    for binary and continuous targets and ``q = n_classes`` for multiclass (column order
    ``f0_c0, f0_c1, ..., f1_c0, ...``, named ``<feature>_<class>``).

    Parameters
    ----------
    smooth : "auto" or float >= 0, default="auto"
        Shrinkage toward the prior: the m of the m-estimate, or "auto" for the empirical-Bayes
        weight ``lam_c`` above (the same estimate as scikit-learn's ``smooth="auto"``).
    target_type : {"auto", "binary", "multiclass", "continuous"}, default="auto"
        "auto" infers the type with :func:`sklearn.utils.multiclass.type_of_target` (integers
        with more than two values count as multiclass: set "continuous" for a count target).
    cv : int, cross-validation splitter or iterable, default=5
        Folds for ``fit_transform``. An int k makes k folds of
        :class:`~sklearn.model_selection.KFold`'s sizes, stratified by class for binary and
        multiclass targets. Shuffled (the default), every such assignment of rows to folds is
        equally likely, drawn without a permutation of all rows (0.05 s instead of 1.3 s on 10
        million rows), so the folds differ from ``KFold(k, shuffle=True, random_state=...)``'s;
        pass that splitter object itself to reproduce scikit-learn's folds (and output) exactly.
        Unshuffled, an int k is ``KFold(k)`` / ``StratifiedKFold(k)``. Any splitter
        (``GroupKFold`` with ``groups``...) or iterable of ``(train, test)`` index pairs is
        accepted if it puts each row in exactly one test fold and trains on all the other rows.
    shuffle : bool, default=True
        Shuffle the rows before an int ``cv`` splits them (ignored for a splitter).
    random_state : int, RandomState instance or None, default=None
        Seed of that shuffle; set it for reproducible ``fit_transform`` output.
    handle_unknown : {"prior", "error", "nan"}, default="prior"
        Encoding of a category not seen in ``fit`` (at ``transform``): the prior, an error, or NaN.
        In cross fitting, a category absent from a fold's training part always gets that fold's
        prior.
    handle_missing : {"value", "prior"}, default="value"
        Missing values (NaN, None, ``pd.NA``, polars null) are one category of their own
        ("value"; if none were seen in ``fit``, a missing value is an unknown category), or are
        encoded as the prior ("prior"). Their targets always count in the prior.
    positive_label : object, default=None
        Positive class of a binary target: the encoding is the rate of this class. None takes
        ``classes_[1]``, the larger of the two sorted labels (1 for 0/1, True for booleans,
        "yes" for "no"/"yes").
    dtype : {numpy.float64, numpy.float32}, default=numpy.float64
        Output dtype. Statistics are always computed in float64.

    Attributes
    ----------
    categories_ : list of ndarray
        Sorted categories of each column seen in ``fit`` (missing values excluded), as ``int64``,
        ``float64`` or unicode arrays.
    encodings_ : list of ndarray of shape (n_categories + 1, q)
        All-rows encoding of each category of each column; the last row encodes missing values.
    has_missing_ : ndarray of shape (n_features_in_,), dtype bool
        Whether each column had missing values in ``fit``.
    target_type_ : str
        The target type used.
    classes_ : ndarray or None
        Sorted class labels (binary and multiclass), else None.
    positive_label_ : object or None
        The positive class of a binary target, else None.
    target_mean_ : float or ndarray of shape (n_classes,)
        The prior on all rows (per class for multiclass).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when X has string column names.

    See Also
    --------
    sklearn.preprocessing.TargetEncoder : The peer; given the same ``cv`` object and ``smooth``
        it gives the same numbers. It has no sample weights, no unknown/missing policies, and
        counts None and NaN as two categories (regtune: one).

    Examples
    --------
    >>> import numpy as np
    >>> from regtune import TargetEncoder
    >>> car = np.array([["Maruti"]] * 3 + [["BMW"]] * 2 + [["RR"]] * 2, dtype=object)
    >>> sold = [1, 1, 0, 0, 1, 1, 1]
    >>> enc = TargetEncoder(smooth=0).fit(car, sold)
    >>> enc.transform([["Maruti"], ["BMW"], ["RR"], ["Tata"]]).ravel().round(4)
    array([0.6667, 0.5   , 1.    , 0.7143])
    >>> X_train = TargetEncoder(smooth=0, cv=2, random_state=0).fit_transform(car, sold)
    >>> X_train.shape
    (7, 1)
    """

    def __init__(
        self,
        smooth="auto",
        target_type="auto",
        cv=5,
        shuffle=True,
        random_state=None,
        handle_unknown="prior",
        handle_missing="value",
        positive_label=None,
        dtype=np.float64,
    ):
        self.smooth = smooth
        self.target_type = target_type
        self.cv = cv
        self.shuffle = shuffle
        self.random_state = random_state
        self.handle_unknown = handle_unknown
        self.handle_missing = handle_missing
        self.positive_label = positive_label
        self.dtype = dtype

    def fit(self, X, y, sample_weight=None):
        """Learn every category's encoding from all rows.

        Use :meth:`fit_transform` to encode the training rows themselves: ``fit(X, y)
        .transform(X)`` encodes each row with its own target included (see the class docstring).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Categorical columns: NumPy (object, str, int), pandas (object, string, category)
            or polars.
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : TargetEncoder
        """
        self._fit(X, y, sample_weight)
        return self

    def fit_transform(self, X, y, sample_weight=None, groups=None):
        """Fit on all rows, and encode each row out of fold (cross fitting).

        Row i in fold k is encoded with the statistics and the prior of the rows outside fold k.
        This is the leak-free encoding of training rows; it differs from ``fit(X, y)
        .transform(X)``, which uses all rows (see the class docstring).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
        groups : array-like of shape (n_samples,), default=None
            Group labels passed to ``cv.split`` (for ``GroupKFold`` and friends).

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features * q)
        """
        codes, y_checked, Yt, w = self._prepare(X, y, sample_weight)
        bounds = (Yt.min(axis=1), Yt.max(axis=1))
        if self.target_type_ == "continuous":
            strata = None
        else:  # class codes, from the binary indicator or the one-hot rows
            strata = Yt[0].astype(np.int8) if len(Yt) == 1 else Yt.argmax(axis=0)
        fold, n_folds = make_folds(self.cv, self.shuffle, self.random_state, strata, X, y_checked, groups)
        q = len(Yt)
        # Filled one contiguous output column at a time; returned transposed (Fortran order).
        out = np.empty((len(codes) * q, len(fold)), dtype=self.dtype)
        for j, key, cross in self._learn_columns(codes, Yt, w, bounds, fold, n_folds):
            table = cross.reshape(-1, q).astype(self.dtype)
            for t in range(q):
                np.take(table[:, t], key, out=out[j * q + t])
        return out.T

    def transform(self, X):
        """Encode X with the all-rows statistics learned in ``fit`` / ``fit_transform``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features * q)

        Raises
        ------
        ValueError
            With ``handle_unknown="error"``, if X holds a category not seen in ``fit``.
        """
        check_is_fitted(self, "encodings_")
        columns = as_columns(X)
        validate_data(self, X, reset=False, skip_check_array=True)
        q = self.encodings_[0].shape[1]
        n_samples = len(columns[0])
        fill = np.nan if self.handle_unknown == "nan" else np.atleast_1d(self.target_mean_)
        out = np.empty((n_samples, len(columns) * q), dtype=self.dtype)
        names = self._names()
        for j, column in enumerate(columns):
            categories = self.categories_[j]
            code = lookup(column, categories, f"column {names[j]!r}")
            if self.handle_missing == "value" and not self.has_missing_[j]:
                code[code == len(categories)] = -1
            if self.handle_unknown == "error" and np.any(code == -1):
                values = np.asarray(column, dtype=object)[code == -1]
                raise ValueError(
                    f"handle_unknown='error' and column {names[j]!r} has "
                    f"{len(values)} values not seen in fit, for example {values[0]!r}"
                )
            unknown = code == -1
            out[:, j * q : (j + 1) * q] = self.encodings_[j][np.maximum(code, 0)]
            out[unknown, j * q : (j + 1) * q] = fill
        return out

    def get_feature_names_out(self, input_features=None):
        """Output column names: the input names, or ``<feature>_<class>`` for multiclass.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Input names; must match ``feature_names_in_`` when that is defined. Default: those
            names, or ``x0, x1, ...``.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self, "encodings_")
        names = self._names(input_features)
        if self.target_type_ == "multiclass":
            names = [f"{name}_{label}" for name in names for label in self.classes_.tolist()]
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        tags.input_tags.allow_nan = True
        return tags

    # -- private --------------------------------------------------------------------------------

    def _names(self, input_features=None):
        default = getattr(self, "feature_names_in_", None)
        if input_features is None:
            if default is not None:
                return list(default)
            return [f"x{j}" for j in range(self.n_features_in_)]
        names = [str(name) for name in input_features]
        if len(names) != self.n_features_in_ or (default is not None and names != list(default)):
            raise ValueError(
                f"input_features must be the {self.n_features_in_} names seen in fit, got {names}"
            )
        return names

    def _validate_params(self):
        for name, options in _OPTIONS.items():
            if getattr(self, name) not in options:
                raise ValueError(f"{name} must be one of {options}, got {getattr(self, name)!r}")
        smooth = self.smooth
        if smooth != "auto" and not (
            isinstance(smooth, Real) and not isinstance(smooth, bool) and 0 <= smooth < np.inf
        ):
            raise ValueError(f"smooth must be 'auto' or a finite number >= 0, got {smooth!r}")
        if isinstance(self.cv, Integral) and not isinstance(self.cv, bool) and self.cv < 2:
            raise ValueError(f"cv must be an int >= 2, a splitter or an iterable, got {self.cv!r}")
        if not isinstance(self.shuffle, (bool, np.bool_)):
            raise ValueError(f"shuffle must be a bool, got {self.shuffle!r}")
        try:
            valid_dtype = np.dtype(self.dtype) in (np.float32, np.float64)
        except TypeError:
            valid_dtype = False
        if not valid_dtype:
            raise ValueError(f"dtype must be numpy.float32 or numpy.float64, got {self.dtype!r}")

    def _fit(self, X, y, sample_weight):
        codes, _, Yt, w = self._prepare(X, y, sample_weight)
        bounds = (Yt.min(axis=1), Yt.max(axis=1))
        for _ in self._learn_columns(codes, Yt, w, bounds):
            pass

    def _learn_columns(self, codes, Yt, w, bounds, fold=None, n_folds=1):
        """Learn every column's ``encodings_`` (and ``target_mean_``); yield ``(j, key, cross)``
        per column: the rows' keys and, with ``fold``, the per-fold encodings (None without).
        The priors come from the first column's sums."""
        stats = None
        for j, code in enumerate(codes):
            key, sums, centers = self._column_sums(j, code, Yt, w, fold, n_folds)
            if stats is None:
                stats = priors(sums, centers, n_folds, bounds, cross=fold is not None)
                if fold is not None and not np.isfinite(stats[2]).all():
                    raise ValueError("sample_weight must leave a positive weight in every training part")
                self.target_mean_ = stats[0][0, 0] if len(Yt) == 1 else stats[0][0]
            yield j, key, self._learn_column(j, sums, stats, bounds, n_folds)

    def _prepare(self, X, y, sample_weight):
        """Validate, factorize every column once, set the target attributes."""
        self._validate_params()
        columns = as_columns(X)
        shape = (len(columns[0]) if columns else len(X), len(columns))
        for axis, what in ((1, "feature"), (0, "sample")):
            if shape[axis] == 0:
                raise ValueError(f"X has 0 {what}(s) (shape={shape}) while a minimum of 1 is required.")
        validate_data(self, X, reset=True, skip_check_array=True)
        n_samples = shape[0]
        y, self.target_type_, self.classes_, self.positive_label_, Yt = encode_target(
            y, n_samples, self.target_type, self.positive_label
        )
        w = check_sample_weight(sample_weight, n_samples)
        names = self._names()
        codes, self.categories_ = [], []
        for j, column in enumerate(columns):
            code, categories = factorize(column, f"column {names[j]!r}")
            codes.append(code)
            self.categories_.append(categories)
        self.has_missing_ = np.array([c.max() == len(k) for c, k in zip(codes, self.categories_)])
        self.encodings_ = [None] * len(columns)
        return codes, y, Yt, w

    def _column_sums(self, j, code, Yt, w, fold=None, n_folds=1):
        """Each row's key ``fold * G + code`` into the (fold, group) pairs of column ``j``
        (``G`` = its categories and the missing value), the sums ``(W, S, R1, R2)`` of every
        pair (``R1``, ``R2`` around each group's overall mean, for "auto" only) and those
        means."""
        size = len(self.categories_[j]) + 1
        key = code
        if fold is not None:
            key = np.multiply(fold, size)
            key += code
        n_groups = n_folds * size
        W, S = group_sums(key, n_groups, Yt, w)
        if self.smooth != "auto":
            return key, (W, S, None, None), None
        W_all = W.reshape(n_folds, size, 1).sum(axis=0)
        S_all = S.reshape(n_folds, size, -1).sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            centers = np.where(W_all > 0, S_all / W_all, 0.0)
        return key, (W, S, *centered_sums(key, n_groups, Yt, w, W, S, centers, code)), centers

    def _learn_column(self, j, sums, stats, bounds, n_folds=1):
        """Set ``encodings_[j]`` (all rows) from the column's sums; with ``n_folds > 1`` also
        return the per-fold encodings (shape ``(n_folds, G, q)``)."""
        prior, tau2, fold_prior, fold_tau2 = stats
        train, total = split_sums(sums, n_folds)
        table = encode(*total, prior, tau2, self.smooth, bounds)[0]
        if self.handle_missing == "prior":
            table[-1] = prior[0]
        self.encodings_[j] = table
        if fold_prior is None:
            return None
        cross = encode(*train, fold_prior, fold_tau2, self.smooth, bounds)
        if self.handle_missing == "prior":
            cross[:, -1] = fold_prior
        return cross
