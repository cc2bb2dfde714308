"""The shared machinery of ``MLPClassifier`` and ``MLPRegressor``: one training loop for both.

``iter_fit`` validates, (re)initializes and then trains one epoch per iteration, committing the
fitted attributes after every epoch; ``fit`` consumes the same generator and adds the stopping rules
(``_stopping.py``: scikit-learn's training-loss rule, early stopping on validation loss, or the
whole budget with the best validation epoch kept). Schedules and standardized regression targets
are in ``_recipe.py``.
All fitted state is plain data (numpy arrays, numbers, strings, lists, dicts), so a fitted estimator
is saved without pickle; the engine ``Network`` is rebuilt from ``network_state_`` when needed.
"""

import warnings
import weakref
from abc import ABCMeta, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator, is_regressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import ThreadpoolController

from .._sklearn_internals import check_sample_weight, validate_params
from ..exceptions import DivergenceError
from ..nn import (
    OUTPUT_ACTIVATIONS,
    Network,
    Penalties,
    Trainer,
    batch_slices,
    forward_dense,
    forward_steps,
    initialize_from_data,
    loss_value,
    minimize_lbfgs,
    output_transform,
    prior_logits,
)
from ._architecture import network_layers
from ._params import PARAMETER_CONSTRAINTS, check_combinations, check_hidden_layer_sizes
from ._recipe import epoch_learning_rate, prediction_state, step_schedule
from ._state import (
    as_array_like,
    generator,
    hidden_activation,
    is_checked_matrix,
    network_from_state,
)
from ._stopping import StoppingRule, held_out_split

__all__ = ["BaseMLP"]

# Fitted estimator -> (its network_state_, that network's prediction steps), for networks that do
# not fold into coefs_ (embeddings, k members): rebuilding the network from its state and folding
# its dense runs took about 1.5 ms of a one-row predict. Outside the estimator, so nothing is saved,
# cloned or seen by get_params; a new network_state_ (a refit, another epoch) is a new object and
# rebuilds the steps.
_PREDICTION_STEPS = weakref.WeakKeyDictionary()


def _prediction_steps(estimator):
    state = estimator.network_state_
    cached = _PREDICTION_STEPS.get(estimator)
    if cached is None or cached[0] is not state:
        cached = (state, network_from_state(state).prediction_steps())
        _PREDICTION_STEPS[estimator] = cached
    return cached[1]


_FLOATS = [np.float32, np.float64]
SMALL_PRODUCT = 2**20  # batch_size * widest layer up to which fit limits BLAS to one thread


@dataclass
class _Run:
    """The working data of one fit, from validation to the last epoch (never a fitted attribute)."""

    X: np.ndarray
    Y: np.ndarray  # the loss's target matrix, (n, n_outputs)
    w: np.ndarray | None  # sample weights (times class weights), or None
    y_codes: np.ndarray | None  # class codes (stratified split), None for regression
    targets: object  # what the training targets define (classes, outputs): see _encode_targets
    loss: str  # "squared_error", "log_loss" or "cross_entropy"
    net: Network
    rng: np.random.Generator
    warm: bool
    X_val: np.ndarray | None = None
    Y_val: np.ndarray | None = None
    raw_val: np.ndarray | None = None  # prediction-mode logits of X_val after the last epoch
    split_off: bool = False  # fit held out X_val itself (early stopping)
    scaling: object = None  # TargetScaling of standardized regression targets, or None
    state: dict | None = None  # the prediction state committed after the last epoch


class BaseMLP(BaseEstimator, metaclass=ABCMeta):
    """Base class; see ``MLPClassifier`` and ``MLPRegressor`` for the parameters."""

    _parameter_constraints: ClassVar[dict] = dict(PARAMETER_CONSTRAINTS)

    def _loss_for(self, n_outputs):
        """The loss of a network with ``n_outputs`` logits, and so its output activation
        (``OUTPUT_ACTIVATIONS``): half squared error for regression, logistic loss for one
        classifier output (binary), softmax cross-entropy for several (multiclass)."""
        if is_regressor(self):
            return "squared_error"
        return "log_loss" if n_outputs == 1 else "cross_entropy"

    # ---------------------------------------------------------------- subclass hooks
    def _check_target(self, y):
        """Reject targets the estimator cannot learn from, before any conversion."""
        return y

    @abstractmethod
    def _encode_targets(self, y, known, name="y"):
        """Return ``(Y, codes, targets)``: the loss's target matrix, integer class codes (or None)
        and what the targets of a fit define (classes, number of outputs).

        ``known`` is None to learn ``targets`` from ``y``, or the ``targets`` of the training
        rows (or of the fitted estimator) that ``y`` must agree with; ``name`` names ``y`` in errors.
        """

    @abstractmethod
    def _fitted_targets(self):
        """The ``targets`` of the fitted estimator (for ``warm_start``)."""

    @abstractmethod
    def _commit_targets(self, targets):
        """Set the fitted attributes that ``targets`` define."""

    def _apply_class_weight(self, w, y):
        return w

    def _training_targets(self, Y, w, loss):
        """``(targets the loss trains on, TargetScaling or None)``: label smoothing (classifier),
        standardization (regressor); ``Y`` itself by default."""
        return Y, None

    @abstractmethod
    def _score_targets(self, Y, raw):
        """The validation score (accuracy or R^2) of the raw network outputs ``raw`` against ``Y``."""

    # ---------------------------------------------------------------- public API
    def fit(self, X, y, sample_weight=None):
        """Train on ``(X, y)``; return ``self``.

        With ``early_stopping``, ``validation_fraction`` of the rows is held out, training stops
        after ``n_iter_no_change`` epochs without a validation-loss improvement of ``tol``, and the
        weights of the best epoch are restored. Otherwise training stops when the training
        objective has not improved by ``tol`` for ``n_iter_no_change`` epochs (scikit-learn's rule).
        A failed fit leaves the estimator as it was. While training, BLAS runs on one thread when
        ``batch_size * widest layer <= 2**20`` (small products; threadpoolctl), lbfgs always.
        """
        return self._restoring(self._fit, X, y, sample_weight)

    def _restoring(self, method, *args):
        """Call ``method(*args)``; on any error put the estimator back as it was and re-raise."""
        saved = dict(self.__dict__)
        try:
            return method(*args)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise

    def iter_fit(self, X, y, sample_weight=None, X_val=None, y_val=None):
        """Validate and initialize as ``fit`` does, then return a generator of epochs.

        Each iteration trains one epoch and yields ``{"epoch", "train_loss", "val_loss", ...}``:
        ``train_loss`` is the weighted mean data loss over the epoch's mini-batches (training
        mode), ``val_loss`` the mean loss on ``(X_val, y_val)`` in prediction mode (None without
        them). After every yield the estimator is fitted with the current weights; closing the
        generator keeps those of the last completed epoch. No early stopping here; up to
        ``max_iter`` epochs. With ``solver="lbfgs"`` the whole scipy run (up to ``max_iter``
        iterations) is one epoch, so it yields once.

        Raises
        ------
        DivergenceError
            When the loss or the weights become non-finite (the message names the epoch).
        """
        run = self._restoring(self._prepare_with_validation, X, y, sample_weight, X_val, y_val)
        return self._epochs(run)

    def _prepare_with_validation(self, X, y, sample_weight, X_val, y_val):
        run = self._prepare(X, y, sample_weight)
        if X_val is not None:
            X_val = validate_data(self, as_array_like(X_val), reset=False, dtype=_FLOATS)
            run.X_val = X_val.astype(run.X.dtype, copy=False)
            Y_val = self._encode_targets(self._check_target(y_val), run.targets, name="y_val")[0]
            run.Y_val = Y_val.astype(run.X.dtype, copy=False)
        return run

    # ---------------------------------------------------------------- training
    def _fit(self, X, y, sample_weight):
        run = self._prepare(X, y, sample_weight)
        if self.early_stopping and self.solver != "lbfgs":  # True or "best_epoch"
            self._split_validation(run)
        rule = StoppingRule(self.early_stopping if run.split_off else False, self.tol, self.n_iter_no_change)
        curve = self.validation_scores_ if run.split_off else None
        gen = self._epochs(run)
        # A caller's observer of the epochs (regtune's progress bar of a fit): an instance attribute
        # its caller sets and removes around ``fit``, so neither get_params nor a saved file sees it.
        observer = getattr(self, "_epoch_observer", None)
        for record in gen:
            if self.verbose:
                print(f"Epoch {record['epoch']}, loss = {record['train_loss']:.8f}")
            if observer is not None:
                observer(record)
            if self.solver == "lbfgs":
                break
            if run.split_off:
                curve.append(self._score_targets(run.Y_val, run.raw_val))
            current = record["val_loss"] if run.split_off else self.loss_curve_[-1]
            if rule.update(record["epoch"], current, run.state):
                break
        gen.close()
        if run.split_off:
            self.best_validation_score_ = max(curve)
            self.best_loss_ = None
            if rule.best_state is not None:
                self._commit_state(rule.best_state)
        else:
            self.best_loss_ = float(rule.best) if np.isfinite(rule.best) else self.loss_curve_[-1]
            self.validation_scores_ = None
            self.best_validation_score_ = None
        if not (rule.converged or self.solver == "lbfgs"):
            warnings.warn(
                f"Stopped at max_iter={self.max_iter} epochs without converging.",
                ConvergenceWarning,
                stacklevel=3,
            )
        return self

    def _split_validation(self, run):
        """Hold out ``validation_fraction`` of the rows (stratified for classifiers) as ``run.X_val``."""
        train, val = held_out_split(run, self.validation_fraction, self.batch_norm)
        run.X_val, run.Y_val = run.X[val], run.Y[val]
        run.X, run.Y = run.X[train], run.Y[train]
        if run.w is not None:
            run.w = run.w[train]
        run.split_off = True
        self.validation_scores_ = []

    def _prepare(self, X, y, sample_weight):
        """Validate everything and build the network; touch no fitted attribute."""
        validate_params(self)
        check_hidden_layer_sizes(self.hidden_layer_sizes)
        check_combinations(self)
        warm = self.warm_start and hasattr(self, "network_state_")
        y = self._check_target(y)
        X, y = validate_data(
            self,
            as_array_like(X),
            y,
            reset=not warm,
            dtype=_FLOATS,
            multi_output=is_regressor(self),
            y_numeric=is_regressor(self),
        )
        if self.solver == "lbfgs":  # full batch, small data: float64 keeps the line search exact
            X = X.astype(np.float64, copy=False)
        Y, y_codes, targets = self._encode_targets(y, self._fitted_targets() if warm else None)
        Y = Y.astype(X.dtype, copy=False)
        w = None
        if sample_weight is not None or getattr(self, "class_weight", None) is not None:
            w = check_sample_weight(sample_weight, X, dtype=X.dtype, ensure_non_negative=True)
            w = self._apply_class_weight(w, y)
            if not w.sum() > 0:
                raise ValueError(f"sample_weight must have a positive sum, got {w.sum()}")
        if self.batch_norm and X.shape[0] < 2:
            raise ValueError(
                "batch_norm=True needs at least 2 training rows to compute batch statistics; "
                f"got 1 sample (n_samples = {X.shape[0]})"
            )
        rng = generator(self.random_state)
        loss = self._loss_for(Y.shape[1])
        fitted = self.network_state_ if warm else None
        net = Network(network_layers(self, X, Y.shape[1], loss, w, fitted), X.dtype)
        if warm:
            self._load_fitted_parameters(net)
        else:
            net.initialize(rng)
        return _Run(X, Y, w, y_codes, targets, loss, net, rng, warm)

    def _load_fitted_parameters(self, net):
        """``warm_start``: start ``net`` from the fitted parameters (same architecture only)."""
        fitted = network_from_state(self.network_state_)
        if fitted.layer_sizes != net.layer_sizes:
            raise ValueError(
                "warm_start=True needs the same architecture as the fitted one; layer sizes "
                f"{list(fitted.layer_sizes)} fitted, got {list(net.layer_sizes)}"
            )
        try:
            net.load_parameters(fitted)
        except ValueError as error:
            raise ValueError(
                f"warm_start=True needs the same architecture as the fitted one; {error}"
            ) from None

    def _epochs(self, run):
        """The one training loop: yield a record per epoch and commit the fitted state."""
        run.Y, run.scaling = self._training_targets(run.Y, run.w, run.loss)  # the loss's targets
        X, Y, w, net, loss = run.X, run.Y, run.w, run.net, run.loss
        if not run.warm:  # initialization from the training rows only
            if self.init == "data":
                initialize_from_data(net, X, run.rng, sample_weight=w)
            if self.output_bias == "prior":
                net.layers[-1].b[...] = prior_logits(loss, Y, w)
        elif run.scaling is not None:  # the fitted network predicts in the target's units
            run.scaling.to_standard_units(net)
        n = float(X.shape[0] if w is None else w.sum())
        penalties = Penalties(self.alpha, self.l1, self.weight_decay, self.max_norm, n)
        self._reset_history(run.warm)
        controller = ThreadpoolController()
        start = self.n_iter_
        if self.solver == "lbfgs":
            with controller.limit(limits=1, user_api="blas"):
                result = minimize_lbfgs(net, loss, X, Y, w, penalties, self.max_iter, self.tol, self.max_fun)
            if result.status == 1:
                warnings.warn(
                    f"lbfgs stopped at max_iter={self.max_iter} iterations without converging.",
                    ConvergenceWarning,
                    stacklevel=2,
                )
            yield self._end_epoch(run, start + int(result.nit), penalties, None)
            return
        batch_size = min(200, X.shape[0]) if self.batch_size == "auto" else self.batch_size
        batch_size = min(batch_size, X.shape[0])
        opt = (
            {"momentum": self.momentum, "nesterov": self.nesterovs_momentum}
            if self.solver == "sgd"
            else {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}
        )
        schedule = step_schedule(self, len(batch_slices(X.shape[0], batch_size, net.min_batch_rows)))
        trainer = Trainer(
            net, loss, X, Y, w, penalties, self.solver, batch_size, self.shuffle, run.rng, opt, schedule
        )
        # small matrices run fastest on one BLAS thread (no fork/join per product)
        threads = 1 if batch_size * max(net.layer_sizes) <= SMALL_PRODUCT else None
        for epoch in range(1, self.max_iter + 1):
            eta = epoch_learning_rate(self, epoch)
            with controller.limit(limits=threads, user_api="blas"):
                train_loss = trainer.epoch(eta)
            yield self._end_epoch(run, start + epoch, penalties, train_loss, samples=X.shape[0])

    def _end_epoch(self, run, epoch, penalties, train_loss, samples=0):
        net, w = run.net, run.w
        if train_loss is None:  # lbfgs: the data term at the solution
            losses = loss_value(run.loss, net.forward_predict(run.X), run.Y)
            train_loss = float(losses.mean() if w is None else losses @ w / w.sum())
        weights = net.weights
        if not (np.isfinite(train_loss) and np.isfinite(net.theta).all()):
            raise DivergenceError(
                f"training diverged at epoch {epoch}: non-finite loss or weights (loss "
                f"{train_loss}); lower learning_rate_init or the penalties"
            )
        val_loss = None
        run.state, predicting = prediction_state(run.net, run.scaling)
        self._commit_state(run.state, predicting)
        self._commit_targets(run.targets)
        if run.X_val is not None:
            run.raw_val = self._raw(run.X_val)
            val_loss = float(loss_value(run.loss, run.raw_val, run.Y_val).mean())
        objective = train_loss + penalties.value(weights)
        self.n_iter_ = epoch
        self.t_ = getattr(self, "t_", 0) + samples
        self.loss_curve_.append(objective)
        self.history_.append({"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss})
        record = dict(self.history_[-1])
        record.update(objective=objective, sparsity=self.sparsity_)
        return record

    def _reset_history(self, warm):
        if not warm or not hasattr(self, "n_iter_"):
            self.n_iter_, self.t_ = 0, 0
            self.loss_curve_, self.history_ = [], []

    def _commit_state(self, state, net=None):
        net = net if net is not None else network_from_state(state)
        chain = net.fold()  # None: a layer does not fold (embeddings, k members)
        folded = None if chain is None else chain.pairs()
        self.network_state_ = state
        self.coefs_ = None if folded is None else [W for W, _ in folded]
        self.intercepts_ = None if folded is None else [b for _, b in folded]
        self.sparsity_ = float(np.mean(net.weights == 0)) if net.n_weights else 0.0
        self.n_layers_ = len(net.layer_sizes)
        self.n_outputs_ = net.layer_sizes[-1]
        self.out_activation_ = OUTPUT_ACTIVATIONS[self._loss_for(self.n_outputs_)]

    # ---------------------------------------------------------------- prediction
    def _validate_X(self, X):
        check_is_fitted(self)
        if not is_checked_matrix(X, self):  # else validate_data would return it unchanged: skip ~0.3 ms
            X = validate_data(self, as_array_like(X), reset=False, dtype=_FLOATS)
        return X.astype(np.dtype(self.network_state_["dtype"]), copy=False)

    def _raw(self, X):
        """Prediction-mode logits for validated ``X``: through the folded ``coefs_`` when the
        network folds into dense steps, else through its layers (chunked, the runs that fold as
        dense steps); with ``n_members > 1``, the logits of the members' mean output."""
        if self.coefs_ is None:
            return forward_steps(_prediction_steps(self), X)
        activation = hidden_activation(self.network_state_)
        return forward_dense(X, list(zip(self.coefs_, self.intercepts_)), activation)

    def _mc_outputs(self, X, mc_samples):
        """``mc_samples`` transformed outputs with training-mode dropout, stacked on axis 0."""
        if not (isinstance(mc_samples, (int, np.integer)) and mc_samples >= 1):
            raise ValueError(f"mc_samples must be None or an integer >= 1, got {mc_samples!r}")
        net = network_from_state(self.network_state_)
        rng, loss = generator(self.random_state), self._loss_for(self.n_outputs_)
        return np.stack([output_transform(loss, net.forward_predict(X, rng)) for _ in range(mc_samples)])
