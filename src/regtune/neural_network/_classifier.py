"""``MLPClassifier``: a drop-in for scikit-learn's, with the regularizers of the lecture."""

import warnings
from typing import ClassVar

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.exceptions import DataConversionWarning
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from .._sklearn_internals import StrOptions
from ..nn import output_transform, smooth_labels
from ._base import BaseMLP
from ._docs import PARAMETERS_DOC

__all__ = ["MLPClassifier"]


class MLPClassifier(ClassifierMixin, BaseMLP):
    __doc__ = f"""Multi-layer perceptron classifier trained with regularized NumPy backpropagation.

    Drop-in for :class:`sklearn.neural_network.MLPClassifier` (same parameter names where the
    meaning is the same) plus ``l1``, ``weight_decay``, ``dropout``, ``dropout_scaling``,
    ``batch_norm``, ``bn_momentum``, ``max_norm``, ``class_weight`` and ``sample_weight`` in
    ``fit``. Binary targets use one logistic output, multiclass a softmax; labels may be strings.

{PARAMETERS_DOC}
    class_weight : dict, "balanced" or None, default=None
        Weights per class, multiplied into ``sample_weight``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    coefs_, intercepts_ : list of ndarray or None
        Prediction weights per layer (batch norm folded in with the running statistics, classic
        dropout's ``1 - p`` applied), so ``coefs_[i]`` maps layer ``i`` to layer ``i + 1``. None
        with a numeric embedding or ``n_members > 1``, which do not fold into dense layers:
        prediction then runs through the layers of ``network_state_``.
    loss_curve_ : list of float
        Training objective per epoch (data term plus penalties), on the targets the loss trains
        on (the smoothed labels with ``label_smoothing``).
    history_ : list of dict
        Per epoch ``{{"epoch", "train_loss", "val_loss"}}`` (data terms, for the tuner);
        ``train_loss`` on the training targets as ``loss_curve_``, ``val_loss`` on the plain ones.
    validation_scores_ : list of float or None
        Accuracy on the held-out rows per epoch, with ``early_stopping``.
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
    >>> from sklearn.datasets import make_classification
    >>> from regtune import MLPClassifier
    >>> X, y = make_classification(n_samples=200, random_state=0)
    >>> clf = MLPClassifier(hidden_layer_sizes=(16,), dropout=0.2, batch_norm=True,
    ...                     max_iter=50, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    >>> mean, std = clf.predict_proba(X[:2], mc_samples=20, return_std=True)
    """

    _parameter_constraints: ClassVar[dict] = {
        **BaseMLP._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
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
        class_weight=None,
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
        self.class_weight = class_weight

    def _check_target(self, y):
        if y is None:
            return y
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected; it was "
                "raveled to shape (n_samples,).",
                DataConversionWarning,
                stacklevel=4,
            )
            y = y.ravel()
        return y

    def _encode_targets(self, y, known, name="y"):
        check_classification_targets(y)
        kind = type_of_target(y)
        if kind not in ("binary", "multiclass"):
            raise ValueError(f"{name} must hold binary or multiclass labels, got target type {kind!r}")
        classes = known
        if classes is None:
            classes = np.unique(y)
            if classes.size < 2:
                raise ValueError(
                    f"{name} must hold at least 2 classes to train a classifier; got 1 class "
                    f"({classes.tolist()[0]!r})"
                )
        codes = np.searchsorted(classes, y)
        codes = np.minimum(codes, classes.size - 1)
        unknown = classes[codes] != y
        if unknown.any():
            raise ValueError(
                f"{name} holds labels not seen in fit: {np.unique(y[unknown])!r}; classes_ = {classes!r}"
            )
        if classes.size == 2:
            return codes[:, None].astype(np.float64), codes, classes
        return np.eye(classes.size)[codes], codes, classes

    def _fitted_targets(self):
        return self.classes_

    def _commit_targets(self, classes):
        self.classes_ = classes

    def _apply_class_weight(self, w, y):
        if self.class_weight is None:
            return w
        return w * compute_sample_weight(self.class_weight, y).astype(w.dtype)

    def _training_targets(self, Y, w, loss):
        if not self.label_smoothing:
            return Y, None
        return smooth_labels(loss, Y, self.label_smoothing).astype(Y.dtype), None

    def _score_targets(self, Y, raw):
        if Y.shape[1] == 1:
            return float(np.mean((raw[:, 0] > 0) == (Y[:, 0] > 0.5)))
        return float(np.mean(raw.argmax(axis=1) == Y.argmax(axis=1)))

    def predict_proba(self, X, mc_samples=None, return_std=False):
        """Class probabilities, shape ``(n_samples, n_classes)``.

        With ``mc_samples=k``, the mean of ``k`` Monte-Carlo dropout passes (training-mode
        dropout, batch norm with running statistics), seeded from ``random_state``; with
        ``return_std=True`` also their standard deviation, as ``(mean, std)``.
        """
        X = self._validate_X(X)
        if mc_samples is None:
            proba = output_transform(self._loss_for(self.n_outputs_), self._raw(X))
            std = np.zeros_like(proba) if return_std else None
        else:
            passes = self._mc_outputs(X, mc_samples)
            proba, std = passes.mean(axis=0), passes.std(axis=0)
        if proba.shape[1] == 1:
            proba = np.hstack([1 - proba, proba])
            std = None if std is None else np.hstack([std, std])
        return (proba, std) if return_std else proba

    def predict_log_proba(self, X):
        """Logarithm of ``predict_proba(X)``."""
        return np.log(self.predict_proba(X))

    def predict(self, X, mc_samples=None):
        """Most probable class (of the Monte-Carlo mean with ``mc_samples``)."""
        proba = self.predict_proba(X, mc_samples=mc_samples)
        return self.classes_[np.argmax(proba, axis=1)]
