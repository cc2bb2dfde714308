"""Numeric columns: median imputation with missing indicators, robust or standard scaling, smooth clip."""

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ._feature_names import input_names

__all__ = ["NumericScaler", "smooth_clip"]

_SCALINGS = ("robust", "standard")


def smooth_clip(z, bound=3.0):
    """``z / sqrt(1 + (z / bound)**2)``: the identity near 0, bounded by ``bound`` in absolute value.

    Computed as ``z / hypot(1, z / bound)``, which does not overflow for large ``z`` (the plain
    formula would square 1e200 to inf and return 0); an infinite ``z`` gives ``+-bound``.

    Examples
    --------
    >>> from regtune.preprocessing._numeric import smooth_clip
    >>> smooth_clip(np.array([0.0, 4.0, -1e200]))
    array([ 0. ,  2.4, -3. ])
    """
    with np.errstate(invalid="ignore"):
        out = z / np.hypot(1.0, z / bound)
    return np.where(np.isinf(z), np.copysign(bound, z), out)


class NumericScaler(TransformerMixin, BaseEstimator):
    """Impute missing values with the median, scale robustly (or to unit variance), clip smoothly.

    Per column ``x`` (statistics of the values observed in ``fit``: NaN ignored)::

        x_filled = x, or median(x) where x is missing
        z        = (x_filled - center_) / scale_
        out      = z / sqrt(1 + (z / clip_bound)**2)            (clip=True; else out = z)

    * ``scaling="robust"`` (RealMLP's): ``center_ = median``,
      ``scale_ = q75 - q25`` (the interquartile range); if it is 0 (more than half of the values
      are equal), ``scale_ = (max - min) / 2``.
    * ``scaling="standard"``: ``center_ = mean``, ``scale_ = std`` (population, ``ddof=0``).
    * Either way, a column with no spread (``max == min``) or no observed value carries no
      information: ``scale_ = inf``, so it becomes 0 for every row, new values included.

    Quantiles interpolate linearly between order statistics (NumPy's default, the sample quantile
    of ``RobustScaler``). With robust scaling a filled value is exactly 0 after scaling. Smooth
    clipping maps z = 3 to 2.12 and bounds the output by ``clip_bound`` in absolute value, so a
    far outlier cannot dominate a network's first layer.

    With ``add_indicator=True``, each column that had missing values in ``fit`` gets one more
    output column, 1.0 where the value is missing and 0.0 elsewhere (as
    ``SimpleImputer(add_indicator=True)``); a column without missing values in ``fit`` gets none,
    and its missing values at ``transform`` are filled without a trace.

    Shape: ``(n_samples, n_features)`` in, ``(n_samples, n_features + len(missing_features_))``
    out: the scaled columns in input order, then the indicators.

    Parameters
    ----------
    scaling : {"robust", "standard"}, default="robust"
        Center and scale as above.
    clip : bool, default=True
        Apply the smooth clip after scaling.
    clip_bound : float > 0, default=3.0
        The clip's bound: outputs lie in ``(-clip_bound, clip_bound)``.
    add_indicator : bool, default=True
        Append missing-value indicator columns.

    Attributes
    ----------
    median_ : ndarray of shape (n_features_in_,)
        The fill value of each column (0.0 for a column without observed values).
    center_ : ndarray of shape (n_features_in_,)
    scale_ : ndarray of shape (n_features_in_,)
        Positive; ``inf`` for a column without spread.
    missing_features_ : ndarray of int64
        Indices of the columns that get an indicator (those with missing values in ``fit``;
        empty with ``add_indicator=False``).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when X has string column names.

    See Also
    --------
    sklearn.preprocessing.RobustScaler : Robust scaling, with scale 1 for a zero range.
    sklearn.impute.SimpleImputer : Median imputation with ``add_indicator=True``.

    Examples
    --------
    >>> import numpy as np
    >>> from regtune.preprocessing import NumericScaler
    >>> X = np.array([[1.0], [2.0], [3.0], [4.0], [100.0], [np.nan]])
    >>> scaler = NumericScaler().fit(X)
    >>> scaler.center_, scaler.scale_
    (array([3.]), array([2.]))
    >>> scaler.transform(X).round(3)
    array([[-0.949,  0.   ],
           [-0.493,  0.   ],
           [ 0.   ,  0.   ],
           [ 0.493,  0.   ],
           [ 2.994,  0.   ],
           [ 0.   ,  1.   ]])
    """

    def __init__(self, scaling="robust", clip=True, clip_bound=3.0, add_indicator=True):
        self.scaling = scaling
        self.clip = clip
        self.clip_bound = clip_bound
        self.add_indicator = add_indicator

    def fit(self, X, y=None):
        """Learn each column's median, center and scale, and which columns get an indicator.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric; NaN marks a missing value, infinity is refused.
        y : None
            Ignored.

        Returns
        -------
        self : NumericScaler
        """
        self._validate_params()
        X = validate_data(self, X, dtype=np.float64, ensure_all_finite="allow-nan", reset=True)
        missing = np.isnan(X)
        n_features = X.shape[1]
        self.median_, self.center_ = np.zeros(n_features), np.zeros(n_features)
        self.scale_ = np.full(n_features, np.inf)
        for j in range(n_features):
            observed = X[~missing[:, j], j]
            if len(observed) == 0:
                continue
            q25, median, q75 = np.quantile(observed, [0.25, 0.5, 0.75])
            low, high = observed.min(), observed.max()
            self.median_[j] = median
            if self.scaling == "robust":
                self.center_[j] = median
                spread = q75 - q25 if q75 > q25 else (high - low) / 2
            else:
                self.center_[j] = observed.mean()
                spread = observed.std()
            if high > low:
                self.scale_[j] = spread
        has_missing = missing.any(axis=0) if self.add_indicator else np.zeros(n_features, dtype=bool)
        self.missing_features_ = np.flatnonzero(has_missing).astype(np.int64)
        return self

    def transform(self, X):
        """Fill, scale, clip, and append the indicators.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features + len(missing_features_))
        """
        check_is_fitted(self, "scale_")
        X = validate_data(self, X, dtype=np.float64, ensure_all_finite="allow-nan", reset=False)
        missing = np.isnan(X)
        z = np.where(missing, self.median_, X)
        # Values near the float64 limit may overflow to +-inf; the clip maps them to +-clip_bound.
        with np.errstate(over="ignore" if self.clip else "warn"):
            z -= self.center_
            z /= self.scale_
        if self.clip:
            z = smooth_clip(z, self.clip_bound)
        indicators = missing[:, self.missing_features_].astype(np.float64)
        return np.hstack([z, indicators])

    def get_feature_names_out(self, input_features=None):
        """The input names, then ``missingindicator_<name>`` for each indicator column.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Must match ``feature_names_in_`` when that is defined.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self, "scale_")
        names = input_names(self, input_features)
        indicators = [f"missingindicator_{names[j]}" for j in self.missing_features_]
        return np.asarray(names + indicators, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def _validate_params(self):
        if self.scaling not in _SCALINGS:
            raise ValueError(f"scaling must be one of {_SCALINGS}, got {self.scaling!r}")
        for name in ("clip", "add_indicator"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise ValueError(f"{name} must be a bool, got {getattr(self, name)!r}")
        bound = self.clip_bound
        if not (isinstance(bound, Real) and not isinstance(bound, bool) and 0 < bound < np.inf):
            raise ValueError(f"clip_bound must be a finite number > 0, got {bound!r}")
