"""``MLPRegressor``: a drop-in for scikit-learn's, with the regularizers of the lecture."""

from typing import ClassVar

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score

from .._sklearn_internals import StrOptions
from ._base import BaseMLP
from ._docs import PARAMETERS_DOC
from ._recipe import TargetScaling

__all__ = ["MLPRegressor"]


class MLPRegressor(RegressorMixin, BaseMLP):
    __doc__ = f"""Multi-layer perceptron regressor trained with regularized NumPy backpropagation.

    Drop-in for :class:`sklearn.neural_network.MLPRegressor` (same parameter names where the
    meaning is the same) plus ``l1``, ``weight_decay``, ``dropout``, ``dropout_scaling``,
    ``batch_norm``, ``bn_momentum``, ``max_norm`` and ``sample_weight`` in ``fit``. The loss is the
    half squared error ``(y - yhat)**2 / 2`` summed over outputs; identity output.

{PARAMETERS_DOC}
    loss : {{"squared_error"}}, default="squared_error"
        The half squared error (scikit-learn's name; its "poisson" is not offered).

    Attributes
    ----------
    coefs_, intercepts_ : list of ndarray or None
        Prediction weights per layer (batch norm folded in with the running statistics, classic
        dropout's ``1 - p`` applied). None with a numeric embedding or ``n_members > 1``, which do
        not fold into dense layers: prediction then runs through the layers of ``network_state_``.
    loss_curve_ : list of float
        Training objective per epoch (data term plus penalties), on the targets the loss trains
        on (the standardized targets with ``standardize_target``).
    history_ : list of dict
        Per epoch ``{{"epoch", "train_loss", "val_loss"}}`` (data terms, for the tuner);
        ``train_loss`` on the training targets as ``loss_curve_``, ``val_loss`` on the plain ones.
    validation_scores_ : list of float or None
        R^2 on the held-out rows per epoch, with ``early_stopping``.
    best_validation_score_, best_loss_ : float or None
        As in scikit-learn.
    sparsity_ : float
        Fraction of weights (not biases, gamma or beta) exactly zero.
    n_iter_, t_, n_layers_, n_outputs_, out_activation_, n_features_in_, feature_names_in_
        As in scikit-learn.
    network_state_ : dict
        Plain-data engine state: ``{{"layers": [{{"kind", settings, running statistics}}, ...],
        "dtype", "theta"}}`` (the flat parameters). Models saved by regtune 0.1.0 hold an earlier
        layout, which is still read.

    Notes
    -----
    Batch statistics need two rows, so with ``batch_norm=True`` training batches have at least 2
    rows: ``batch_size=1`` trains on pairs of rows, a last batch of one row joins the batch before
    it, and a fit needs at least 2 training rows (counted after ``early_stopping`` holds out
    ``validation_fraction``), else it raises ``ValueError``.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from regtune import MLPRegressor
    >>> X, y = make_regression(n_samples=200, n_features=5, random_state=0)
    >>> ridge = MLPRegressor(hidden_layer_sizes=(), solver="lbfgs", alpha=1.0).fit(X, y)
    >>> mean, std = MLPRegressor((32,), dropout=0.1, max_iter=20, random_state=0).fit(
    ...     X, y).predict(X[:3], mc_samples=10, return_std=True)
    >>> mean.shape, std.shape
    ((3,), (3,))
    """

    _parameter_constraints: ClassVar[dict] = {
        **BaseMLP._parameter_constraints,
        "loss": [StrOptions({"squared_error"})],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        l1=0.0,
        weight_decay=0.0,
        max_norm=None,
        dropout=0.0,
        dropout_scaling="inverted",
        batch_norm=False,
        bn_momentum=0.9,
        feature_scaling=False,
        numeric_embedding="none",
        embedding_columns="continuous",
        embedding_dim=4,
        n_frequencies=16,
        frequency_scale=0.1,
        n_bins=16,
        n_members=1,
        output_bias="prior",
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        dropout_schedule="constant",
        weight_decay_schedule="constant",
        label_smoothing=0.0,
        standardize_target=False,
        init="glorot",
        loss="squared_error",
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.l1 = l1
        self.weight_decay = weight_decay
        self.max_norm = max_norm
        self.dropout = dropout
        self.dropout_scaling = dropout_scaling
        self.batch_norm = batch_norm
        self.bn_momentum = bn_momentum
        self.feature_scaling = feature_scaling
        self.numeric_embedding = numeric_embedding
        self.embedding_columns = embedding_columns
        self.embedding_dim = embedding_dim
        self.n_frequencies = n_frequencies
        self.frequency_scale = frequency_scale
        self.n_bins = n_bins
        self.n_members = n_members
        self.output_bias = output_bias
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dropout_schedule = dropout_schedule
        self.weight_decay_schedule = weight_decay_schedule
        self.label_smoothing = label_smoothing
        self.standardize_target = standardize_target
        self.init = init
        self.loss = loss

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _check_target(self, y):
        if y is None:
            return y
        y = np.asarray(y)
        if y.dtype.kind in "USO":
            try:
                y = y.astype(np.float64)
            except (TypeError, ValueError):
                raise ValueError(
                    f"y must be numeric for MLPRegressor, got dtype {y.dtype} with values like "
                    f"{y.ravel()[:3]!r}; use MLPClassifier for class labels"
                ) from None
        return y

    def _encode_targets(self, y, known, name="y"):
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        if known is not None and Y.shape[1] != known["n_outputs"]:
            raise ValueError(
                f"{name} must have {known['n_outputs']} column(s) like the training targets, got {Y.shape[1]}"
            )
        return Y.astype(np.float64), None, {"n_outputs": Y.shape[1], "y_is_1d": y.ndim == 1}

    def _fitted_targets(self):
        return {"n_outputs": self.n_outputs_, "y_is_1d": self.y_is_1d_}

    def _commit_targets(self, targets):
        self.y_is_1d_ = targets["y_is_1d"]

    def _training_targets(self, Y, w, loss):
        if not self.standardize_target:
            return Y, None
        scaling = TargetScaling.of(Y, w)
        return scaling.standardize(Y), scaling

    def _score_targets(self, Y, raw):
        return float(r2_score(Y, raw))

    def predict(self, X, mc_samples=None, return_std=False):
        """Predicted targets, shape ``(n_samples,)`` or ``(n_samples, n_outputs)``.

        With ``mc_samples=k``, the mean of ``k`` Monte-Carlo dropout passes (training-mode
        dropout, batch norm with running statistics), seeded from ``random_state``; with
        ``return_std=True`` also their standard deviation, as ``(mean, std)``.
        """
        X = self._validate_X(X)
        if mc_samples is None:
            mean = self._raw(X)
            std = np.zeros_like(mean)
        else:
            passes = self._mc_outputs(X, mc_samples)
            mean, std = passes.mean(axis=0), passes.std(axis=0)
        if self.y_is_1d_:
            mean, std = mean[:, 0], std[:, 0]
        return (mean, std) if return_std else mean
