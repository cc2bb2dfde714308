"""``TabularRegressor`` and ``TabularClassifier``: the tuned pipeline, untuned, as one estimator.

They live in ``tuning`` because they are the tuner's own pipeline (:func:`build_pipeline` with
:func:`default_configuration`): the column kinds found as ``tune`` finds them (``regtune._data``),
the same steps and the same defaults, so the model a user gets without tuning is the tuner's first
trial. A package below ``tuning`` would need the pipeline builder moved out of it. Importing them
loads scikit-learn, not Optuna.
"""

import types
import warnings
from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from .._data import as_frame, detect_columns
from .._hyperparameters import HYPERPARAMETERS, parameters_doc, pipeline_entries, sklearn_constraints
from ..export._fast import compiled_output
from ._pipeline import build_pipeline, column_encodings, default_configuration

__all__ = ["TabularClassifier", "TabularRegressor"]

# The pipeline's hyperparameters, in table order: the estimators' parameters besides
# ``categorical`` and ``random_state``.
PIPELINE_PARAMETERS = tuple(e.name for e in pipeline_entries())


def _parameters_doc(task):
    return f"""    Parameters
    ----------
{parameters_doc(task=task)}    categorical : list of str or list of int, default=None
        The categorical columns: names for a data frame with string column names, positions
        otherwise. None: the columns of dtype object, string, category or bool. Every other
        column must be numeric.
    random_state : int, RandomState instance or None, default=None
        Seeds the target encoder's folds and the network (initialization, batch order, dropout).
"""


def _init_for(task, name):
    """``_Tabular.__init__`` with the pipeline defaults of ``task`` as its keyword defaults: the
    constructor of the estimator ``name``."""
    init = _Tabular.__init__
    function = types.FunctionType(init.__code__, init.__globals__, "__init__", None, init.__closure__)
    defaults = default_configuration(task)
    function.__kwdefaults__ = {
        **{parameter: defaults[parameter] for parameter in PIPELINE_PARAMETERS},
        "categorical": None,
        "random_state": None,
    }
    function.__qualname__ = f"{name}.__init__"
    function.__module__ = init.__module__
    return function


_ATTRIBUTES_DOC = """    pipeline_ : regtune.export.FastPipeline
        The fitted pipeline (steps ``"preprocess"`` and ``"mlp"``), as ``build_pipeline`` builds it.
        ``predict`` and ``predict_proba`` on a data frame of up to 64 rows with the fitted columns
        run its compiled kernels, skipping the per-call checks (same outputs).
    categorical_, numeric_ : list of str
        The columns each step received (NumPy input: ``x0``, ``x1``, ...).
    encoding_ : dict of str to {"onehot", "binary", "target"}
        How each categorical column is encoded.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when X has string column names."""


class _Tabular(BaseEstimator):
    """What both estimators share: the parameters, the column detection and the pipeline."""

    _parameter_constraints: ClassVar[dict] = {
        **sklearn_constraints(),
        "categorical": ["array-like", None],
        "random_state": ["random_state"],
    }

    # No defaults here: each estimator's __init__ is this one with its task's pipeline defaults
    # (_init_for), so the signature, get_params and the docs all read the table.
    def __init__(
        self,
        *,
        decay_per_step,
        dropout,
        batch_norm,
        bn_momentum,
        numeric_embedding,
        n_members,
        learning_rate,
        learning_rate_init,
        n_layers,
        width,
        batch_size,
        max_epochs,
        early_stopping,
        smooth,
        alpha_per_row,
        l1_per_row,
        beta_1,
        beta_2,
        standardize_target,
        max_onehot,
        numeric_scaling,
        clip,
        categorical=None,
        random_state=None,
    ):
        self.decay_per_step = decay_per_step
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.bn_momentum = bn_momentum
        self.numeric_embedding = numeric_embedding
        self.n_members = n_members
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.n_layers = n_layers
        self.width = width
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.early_stopping = early_stopping
        self.smooth = smooth
        self.alpha_per_row = alpha_per_row
        self.l1_per_row = l1_per_row
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.standardize_target = standardize_target
        self.max_onehot = max_onehot
        self.numeric_scaling = numeric_scaling
        self.clip = clip
        self.categorical = categorical
        self.random_state = random_state

    def fit(self, X, y):
        """Find the column kinds, build the pipeline with this estimator's parameters and fit it.

        Parameters
        ----------
        X : pandas or polars DataFrame, or array-like of shape (n_samples, n_features)
            Raw columns: numbers (missing values allowed) and categories (text, category, bool).
        y : array-like of shape (n_samples,)
            Numbers (regressor) or class labels (classifier); no missing values.

        Returns
        -------
        self
        """
        self._validate_params()
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None")
        X = _as_input(X)
        validate_data(self, X, reset=True, skip_check_array=True)
        frame = self._frame(X)
        y, task = self._check_target(y)
        check_consistent_length(frame, y)
        categorical, numeric = detect_columns(frame, self._categorical_names(frame))
        params = {name: getattr(self, name) for name in PIPELINE_PARAMETERS}
        if not _holdout_possible(y, task):  # early stopping (True or "best_epoch") needs a holdout
            params["early_stopping"] = False
        pipeline = build_pipeline(
            params,
            task=task,
            categorical=categorical,
            numeric=numeric,
            seed=self.random_state,
            n_rows=len(y),  # the per-row penalties' n: the rows the pipeline is fitted on
        )
        with warnings.catch_warnings():  # the recipe trains its epoch budget on purpose
            warnings.simplefilter("ignore", ConvergenceWarning)
            pipeline.fit(frame, y)
        self.pipeline_ = pipeline
        self.categorical_, self.numeric_ = categorical, numeric
        self.encoding_ = column_encodings(pipeline)
        return self

    def predict(self, X):
        """Predict for the rows of X (raw columns, as in ``fit``).

        Parameters
        ----------
        X : pandas or polars DataFrame, or array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self, "pipeline_")  # first: an unfitted estimator raises NotFittedError
        output = self._compiled_output("predict", X)
        return self.pipeline_.predict(self._checked_frame(X)) if output is None else output

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        return tags

    # -- private --------------------------------------------------------------------------------

    def _compiled_output(self, method, X):
        """The pipeline's ``method`` on a short pandas frame with exactly the fitted columns, through
        its compiled kernels (``regtune.export._fast``), or None. On such a frame the checks of
        :meth:`_checked_frame` pass and change nothing; any value they would refuse (a complex
        number) leaves the kernels, and the checked path raises."""
        if not hasattr(self, "feature_names_in_"):  # fitted on an array: columns are renamed x0, x1, ...
            return None
        return compiled_output(self.pipeline_, method, X)

    def _checked_frame(self, X):
        check_is_fitted(self, "pipeline_")
        X = _as_input(X)
        validate_data(self, X, reset=False, skip_check_array=True)
        return self._frame(X)

    def _frame(self, X):
        """X as a pandas frame with str column names: its own names, or ``x0, x1, ...``."""
        frame = as_frame(X)
        if not hasattr(self, "feature_names_in_"):  # no string names: columns are positions
            frame.columns = [f"x{j}" for j in range(frame.shape[1])]
        if not isinstance(X, pd.DataFrame):  # an object array: numbers become numeric columns
            frame = frame.infer_objects()
        return frame

    def _categorical_names(self, frame):
        if self.categorical is None:
            return None
        if hasattr(self, "feature_names_in_"):
            return [str(c) for c in self.categorical]
        names = []
        for position in self.categorical:
            if not isinstance(position, (int, np.integer)) or not 0 <= position < frame.shape[1]:
                raise ValueError(
                    "categorical must hold column positions in [0, n_features) when X has no string "
                    f"column names, got {self.categorical!r}"
                )
            names.append(f"x{int(position)}")
        return names


class TabularRegressor(RegressorMixin, _Tabular):
    __doc__ = f"""regtune's pipeline with its default recipe, untuned: a raw data frame in, predictions out.

    ``fit(X, y)`` finds the column kinds (text, category and bool columns are categorical), encodes
    the categorical columns by cardinality (one-hot up to ``max_onehot`` levels, a single -1/+1
    column for two, target encoding above), imputes, robustly scales and smoothly clips the numeric
    ones (missing-value indicators added), and trains a 3 x 160 ReLU network of 3 members
    (``n_members``, TabM-mini: one network whose members share the hidden layers and average their
    predictions) with Adam (learning rate 3e-3) for up to 50 epochs, its continuous inputs
    piecewise-linearly encoded on 16 quantile bins (``numeric_embedding="ple"``): the pipeline
    :func:`regtune.tune` tunes, with the defaults of :func:`regtune.tuning.default_configuration`,
    which its first trial also uses. With
    ``early_stopping`` (default), 10% of the rows are held out and the weights of the epoch with
    the best validation loss are kept; where that holdout cannot be made (a class with a single
    row, fewer rows than classes on a side) the network trains its ``max_epochs`` budget. A run
    that ends at the budget issues no ``ConvergenceWarning``: the budget is part of the recipe.

{_parameters_doc("regression")}
    Attributes
    ----------
{_ATTRIBUTES_DOC}

    See Also
    --------
    TabularClassifier : The same for classification.
    regtune.tune : Tune these hyperparameters by cross-validation.
    regtune.MLPRegressor : The network alone, a drop-in for scikit-learn's.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from regtune import TabularRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({{"area": rng.uniform(20, 200, 300), "city": rng.choice(["a", "b", "c"], 300)}})
    >>> X.loc[::10, "area"] = np.nan
    >>> y = np.nan_to_num(X["area"].to_numpy(), nan=100.0) / 50 + (X["city"] == "a")
    >>> model = TabularRegressor(max_epochs=5, width=32, random_state=0).fit(X, y)
    >>> model.encoding_
    {{'city': 'onehot'}}
    >>> model.predict(X.head(2)).shape
    (2,)
    """

    __init__ = _init_for("regression", "TabularRegressor")

    def _check_target(self, y):
        y = column_or_1d(y, warn=True)
        return check_array(y, ensure_2d=False, dtype="numeric", input_name="y"), "regression"


class TabularClassifier(ClassifierMixin, _Tabular):
    __doc__ = f"""regtune's pipeline with its default recipe, untuned: a raw data frame in, classes out.

    As :class:`TabularRegressor`, with regtune's ``MLPClassifier`` (cross-entropy, softmax or
    logistic output) and binary or multiclass target encoding, and two defaults of its own: no
    numeric embedding and a learning rate of 1e-3 (the embedding lowered the regression tables'
    error, not the classification tables'; docs/benchmarks.md). Labels may be numbers, strings
    or bools.

{_parameters_doc("binary")}
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted.
{_ATTRIBUTES_DOC}

    See Also
    --------
    TabularRegressor : The same for regression.
    regtune.tune : Tune these hyperparameters by cross-validation.
    regtune.MLPClassifier : The network alone, a drop-in for scikit-learn's.

    Examples
    --------
    >>> import regtune
    >>> from regtune import TabularClassifier
    >>> X, y = regtune.load_dataset("penguins", return_X_y=True)
    >>> model = TabularClassifier(max_epochs=5, width=32, random_state=0).fit(X, y)
    >>> model.classes_.tolist()
    ['Adelie', 'Chinstrap', 'Gentoo']
    >>> model.predict_proba(X.head(3)).shape
    (3, 3)
    """

    __init__ = _init_for("binary", "TabularClassifier")

    def fit(self, X, y):
        super().fit(X, y)
        self.classes_ = self.pipeline_.classes_
        return self

    def predict_proba(self, X):
        """Class probabilities for the rows of X.

        Parameters
        ----------
        X : pandas or polars DataFrame, or array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        check_is_fitted(self, "pipeline_")
        output = self._compiled_output("predict_proba", X)
        return self.pipeline_.predict_proba(self._checked_frame(X)) if output is None else output

    def _check_target(self, y):
        y = column_or_1d(y, warn=True)
        check_array(y, ensure_2d=False, dtype=None, input_name="y")  # NaN and infinity refused
        check_classification_targets(y)
        classes = np.unique(y)
        if len(classes) < 2:
            label = classes[0].item() if isinstance(classes[0], np.generic) else classes[0]
            raise ValueError(f"y must hold at least 2 classes, got 1 class: {label!r}")
        return y, "binary" if len(classes) == 2 else "multiclass"


def _holdout_possible(y, task, fraction=HYPERPARAMETERS["validation_fraction"].default):
    """Whether early stopping can hold out ``fraction`` of the rows (stratified for classes).

    A stratified split needs two rows of every class, and as many rows as classes on each side;
    where it cannot be made, the network trains its whole epoch budget instead.
    """
    n_rows = len(y)
    n_held = int(np.ceil(fraction * n_rows))
    if task == "regression":
        return n_held >= 1 and n_rows - n_held >= 2
    counts = np.unique(y, return_counts=True)[1]
    return counts.min() >= 2 and min(n_held, n_rows - n_held) >= len(counts)


def _as_input(X):
    """X as a pandas frame or a 2-D NumPy array, checked as scikit-learn checks an array.

    A sparse matrix is refused; polars becomes pandas; a pandas frame keeps its column dtypes; an
    array must be 2-D, non-empty and not complex (scikit-learn's messages).
    """
    from scipy.sparse import issparse

    if issparse(X):
        raise TypeError("X must be dense: sparse input is not supported (convert it with X.toarray())")
    if hasattr(X, "to_pandas") and not isinstance(X, pd.DataFrame):  # polars
        X = X.to_pandas()
    if isinstance(X, pd.DataFrame):
        complex_columns = [str(c) for c in X.columns if X[c].dtype.kind == "c"]
        if complex_columns:
            raise ValueError(f"Complex data not supported: columns {complex_columns} are complex")
        return X
    return check_array(X, dtype=None, ensure_all_finite="allow-nan")
