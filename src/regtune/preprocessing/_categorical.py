"""Encoding by cardinality: one-hot for few levels, leak-free target encoding for many."""

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from regtune.encoding import TargetEncoder

# The encoder's column reader: one factorization convention (codes, missing, unseen) for both.
from regtune.encoding._columns import as_columns, factorize, lookup
from regtune.encoding._target import check_sample_weight

from ._feature_names import input_names
from ._one_hot import level_names, levels, write_binary, write_one_hot

__all__ = ["CategoricalEncoder"]


class CategoricalEncoder(TransformerMixin, BaseEstimator):
    """One-hot encode categorical columns with few levels, target-encode those with many.

    A column's levels are the distinct values seen in ``fit``, plus one level for missing values
    (NaN, None, ``pd.NA``) if the column had any. With ``L`` levels the column becomes::

        L <= max_onehot, L != 2:  "onehot"  one 0/1 column per level (sorted; missing last)
        L == 2 <= max_onehot:     "binary"  one column: -1 for the first level, +1 for the second
        L > max_onehot:           "target"  regtune's TargetEncoder: q columns (smoothed target
                                            means; q = 1, or n_classes for a multiclass target)

    ``fit_transform`` target-encodes the training rows out of fold (cross fitting, as
    :class:`regtune.TargetEncoder` does), so a row's own target never enters its encoding;
    ``transform`` uses all training rows. One-hot columns are the same either way.

    New values at ``transform``: a category not seen in ``fit`` is an all-zero one-hot row, a 0
    in a binary column and the prior (the target's mean in fit) in a target-encoded column. A
    missing value is its column's missing level when ``fit`` saw missing values there, else it
    is an unseen category (the same rule as ``TargetEncoder(handle_missing="value")``).

    Shape: ``(n_samples, n_features)`` in, ``(n_samples, sum of the columns' widths)`` out,
    each input column's block in input order (see :meth:`get_feature_names_out`).

    Parameters
    ----------
    max_onehot : int >= 0, default=8
        The most levels (missing included) a column may have to be one-hot encoded; columns
        with more are target-encoded. 8 is RealMLP's default ("Better by Default", 2024).
    smooth : "auto" or float >= 0, default="auto"
        The target encoder's shrinkage toward the prior (see :class:`regtune.TargetEncoder`).
    target_type : {"auto", "binary", "multiclass", "continuous"}, default="auto"
        The target encoder's target type.
    cv : int, cross-validation splitter or iterable, default=5
        Folds of the target encoder's cross fitting in ``fit_transform``.
    shuffle : bool, default=True
        Shuffle the rows before an int ``cv`` splits them.
    random_state : int, RandomState instance or None, default=None
        Seed of that shuffle.

    Attributes
    ----------
    encoding_ : dict of str to {"onehot", "binary", "target"}
        How each input column (by name, in input order) is encoded.
    categories_ : list of ndarray
        Sorted categories of each column seen in ``fit``, missing values excluded (``int64``,
        ``float64``, ``bool`` or unicode arrays: no Python objects).
    has_missing_ : ndarray of shape (n_features_in_,), dtype bool
        Whether each column had missing values in ``fit`` (its missing level).
    n_levels_ : ndarray of shape (n_features_in_,), dtype int64
        Levels of each column: ``len(categories_[j]) + has_missing_[j]``.
    target_encoder_ : TargetEncoder or None
        Fitted on the "target" columns (in input order), None when there are none.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when X has string column names.

    See Also
    --------
    regtune.TargetEncoder : The encoder of the high-cardinality columns.
    sklearn.preprocessing.OneHotEncoder : One-hot encoding for every column.

    Examples
    --------
    >>> import pandas as pd
    >>> from regtune.preprocessing import CategoricalEncoder
    >>> X = pd.DataFrame({"smoker": ["no", "yes", "no", "yes"] * 3,
    ...                   "region": ["n", "s", "e", "w"] * 3,
    ...                   "city": list("abcdefghijkl")})
    >>> y = [0.5, 1.5, 2.5, 3.5] * 3
    >>> enc = CategoricalEncoder(max_onehot=4, random_state=0).fit(X, y)
    >>> enc.encoding_
    {'smoker': 'binary', 'region': 'onehot', 'city': 'target'}
    >>> enc.get_feature_names_out().tolist()
    ['smoker_yes', 'region_e', 'region_n', 'region_s', 'region_w', 'city']
    >>> enc.transform(pd.DataFrame({"smoker": ["yes"], "region": ["s"], "city": ["z"]}))
    array([[1., 0., 0., 1., 0., 2.]])
    """

    def __init__(
        self, max_onehot=8, smooth="auto", target_type="auto", cv=5, shuffle=True, random_state=None
    ):
        self.max_onehot = max_onehot
        self.smooth = smooth
        self.target_type = target_type
        self.cv = cv
        self.shuffle = shuffle
        self.random_state = random_state

    def fit(self, X, y=None, sample_weight=None):
        """Choose each column's encoding and learn its levels (and target encodings).

        Use :meth:`fit_transform` to encode the training rows themselves (leak-free).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Categorical columns: pandas (object, string, category, bool), NumPy or polars.
        y : array-like of shape (n_samples,), default=None
            Needed only when a column is target-encoded.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the target encoder's statistics.

        Returns
        -------
        self : CategoricalEncoder
        """
        self._learn_levels(X, sample_weight)
        if self.target_encoder_ is not None:
            self.target_encoder_.fit(self._target_part(X), self._check_y(y), sample_weight)
        return self

    def fit_transform(self, X, y=None, sample_weight=None, groups=None):
        """Fit, and encode the training rows: target-encoded columns out of fold.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), default=None
        sample_weight : array-like of shape (n_samples,), default=None
        groups : array-like of shape (n_samples,), default=None
            Group labels for a group splitter ``cv``.

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features_out)
        """
        codes = self._learn_levels(X, sample_weight)
        encoded = None
        if self.target_encoder_ is not None:
            part = self._target_part(X)
            encoded = self.target_encoder_.fit_transform(part, self._check_y(y), sample_weight, groups)
        return self._assemble(codes, encoded)

    def transform(self, X):
        """Encode X with what ``fit`` learned (target encodings from all training rows).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features_out)
        """
        check_is_fitted(self, "encoding_")
        columns = as_columns(X)
        validate_data(self, X, reset=False, skip_check_array=True)
        names = input_names(self)
        codes = [
            None if kind == "target" else lookup(column, categories, f"column {name!r}")
            for column, categories, name, kind in zip(
                columns, self.categories_, names, self.encoding_.values()
            )
        ]
        encoded = None
        if self.target_encoder_ is not None:
            encoded = self.target_encoder_.transform(self._target_part(X))
        return self._assemble(codes, encoded)

    def get_feature_names_out(self, input_features=None):
        """Output column names, block by block in input order.

        ``<column>_<level>`` for each one-hot level (``<column>_nan`` for the missing level);
        ``<column>_<second level>`` for a binary column (the level encoded as +1); the target
        encoder's names for a target-encoded column (``<column>``, or ``<column>_<class>`` per
        class of a multiclass target).

        Parameters
        ----------
        input_features : array-like of str, default=None
            Must match ``feature_names_in_`` when that is defined.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self, "encoding_")
        names = input_names(self, input_features)
        suffixes = [""]
        if self.target_encoder_ is not None and self.target_encoder_.target_type_ == "multiclass":
            suffixes = [f"_{label}" for label in self.target_encoder_.classes_.tolist()]
        out = []
        for j, kind in enumerate(self.encoding_.values()):
            if kind == "target":
                out += [names[j] + suffix for suffix in suffixes]
                continue
            level_list = level_names(names[j], self.categories_[j], self.has_missing_[j])
            out += level_list[1:] if kind == "binary" else level_list
        return np.asarray(out, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        tags.input_tags.allow_nan = True
        return tags

    # -- private --------------------------------------------------------------------------------

    def _new_target_encoder(self):
        return TargetEncoder(
            smooth=self.smooth,
            target_type=self.target_type,
            cv=self.cv,
            shuffle=self.shuffle,
            random_state=self.random_state,
        )

    def _learn_levels(self, X, sample_weight):
        """Validate, factorize each column, choose its encoding; return the one-hot columns'
        level codes (None for target-encoded columns)."""
        max_onehot = self.max_onehot
        if not isinstance(max_onehot, Integral) or isinstance(max_onehot, bool) or max_onehot < 0:
            raise ValueError(f"max_onehot must be an int >= 0, got {max_onehot!r}")
        target_encoder = self._new_target_encoder()
        target_encoder._validate_params()  # wrong options fail now, even with no column to encode
        columns = as_columns(X)
        shape = (len(columns[0]) if columns else len(X), len(columns))
        for axis, what in ((1, "feature"), (0, "sample")):
            if shape[axis] == 0:
                raise ValueError(f"X has 0 {what}(s) (shape={shape}) while a minimum of 1 is required.")
        validate_data(self, X, reset=True, skip_check_array=True)
        check_sample_weight(sample_weight, shape[0])  # checked even when no column needs it
        names = input_names(self)
        codes, self.categories_ = [], []
        for column, name in zip(columns, names):
            if getattr(column, "dtype", None) is not None and column.dtype.kind == "c":
                raise ValueError(f"Complex data not supported: column {name!r} has dtype {column.dtype}")
            code, categories = factorize(column, f"column {name!r}")
            if getattr(column, "dtype", None) is not None and column.dtype.kind == "b":
                categories = categories.astype(bool)  # named False/True, not 0/1
            codes.append(code)
            self.categories_.append(categories)
        self.has_missing_ = np.array([c.max() == len(k) for c, k in zip(codes, self.categories_)])
        self.n_levels_ = np.array([len(k) for k in self.categories_], dtype=np.int64) + self.has_missing_
        kinds = ["target" if n > max_onehot else "binary" if n == 2 else "onehot" for n in self.n_levels_]
        self.encoding_ = dict(zip(names, kinds))
        self.target_encoder_ = target_encoder if "target" in kinds else None
        codes = [None if kind == "target" else code for code, kind in zip(codes, kinds)]
        return codes

    def _check_y(self, y):
        if y is None:
            raise ValueError(
                "CategoricalEncoder requires y to be passed, but the target y is None "
                f"(columns with more than max_onehot={self.max_onehot} levels are target-encoded)"
            )
        return y

    def _target_part(self, X):
        """The target-encoded columns of X, in the container X came in (pandas selects without
        converting dtypes: a DataFrame built anew would re-infer object columns as strings)."""
        positions = [j for j, kind in enumerate(self.encoding_.values()) if kind == "target"]
        if isinstance(X, pd.DataFrame):
            return X.iloc[:, positions]
        if hasattr(X, "select") and hasattr(X, "get_columns"):  # polars
            return X.select([X.columns[j] for j in positions])
        return np.asarray(X, dtype=None if hasattr(X, "dtype") else object)[:, positions]

    def _assemble(self, codes, encoded):
        """Write every block into one zeroed output, in input order."""
        n_samples = len(encoded) if encoded is not None else len(next(c for c in codes if c is not None))
        q = 0 if encoded is None else encoded.shape[1] // self.target_encoder_.n_features_in_
        widths = [
            q if kind == "target" else 1 if kind == "binary" else n
            for kind, n in zip(self.encoding_.values(), self.n_levels_)
        ]
        out = np.zeros((n_samples, sum(widths)), dtype=np.float64)
        start, t = 0, 0
        for j, (kind, width) in enumerate(zip(self.encoding_.values(), widths)):
            if kind == "target":
                out[:, start : start + q] = encoded[:, t * q : (t + 1) * q]
                t += 1
            else:
                level = levels(codes[j], len(self.categories_[j]), self.has_missing_[j])
                (write_binary if kind == "binary" else write_one_hot)(out, start, level)
            start += width
        return out
