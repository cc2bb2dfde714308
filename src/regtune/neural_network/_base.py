"""The shared machinery of ``MLPClassifier`` and ``MLPRegressor``: one training loop for both.

``iter_fit`` validates, (re)initializes and then trains one epoch per iteration, committing the
fitted attributes after every epoch; ``fit`` consumes the same generator and adds the stopping rules
(early stopping on validation loss with best-weight restore, or scikit-learn's training-loss rule).
All fitted state is plain data (numpy arrays, numbers, strings, lists, dicts), so a fitted estimator
is saved without pickle; the engine ``Network`` is rebuilt from ``network_state_`` when needed.
"""

import itertools
import warnings
from abc import ABCMeta, abstractmethod
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import ThreadpoolController

from .._sklearn_internals import check_sample_weight as _check_sample_weight
from ..exceptions import DivergenceError
from ..nn import (
    Network,
    Penalties,
    Trainer,
    cosine_schedule,
    forward_dense,
    loss_value,
    minimize_lbfgs,
    output_transform,
    prior_logits,
)
from ._params import PARAMETER_CONSTRAINTS, check_combinations, check_hidden_layer_sizes
from ._state import as_array_like, generator, network_from_state, network_state

__all__ = ["BaseMLP"]

_FLOATS = [np.float32, np.float64]
SMALL_PRODUCT = 2**20  # batch_size * widest layer up to which fit limits BLAS to one thread


def _is_checked_matrix(X, estimator):
    """Whether ``X`` is a finite 2-D float32/float64 ndarray of the fitted width, for an estimator
    fitted without feature names: ``validate_data`` would return it as is, with no warning."""
    return (
        type(X) is np.ndarray
        and X.ndim == 2
        and X.dtype in _FLOATS
        and X.shape[0] >= 1
        and X.shape[1] == estimator.n_features_in_
        and not hasattr(estimator, "feature_names_in_")
        and bool(np.isfinite(X).all())
    )


class BaseMLP(BaseEstimator, metaclass=ABCMeta):
    """Base class; see ``MLPClassifier`` and ``MLPRegressor`` for the parameters."""

    _parameter_constraints: ClassVar[dict] = dict(PARAMETER_CONSTRAINTS)
    _loss = None  # set per fit by the subclass ("squared_error", "log_loss", "cross_entropy")

    # ---------------------------------------------------------------- subclass hooks
    def _check_target(self, y):
        """Reject targets the estimator cannot learn from, before any conversion."""
        return y

    @abstractmethod
    def _encode_targets(self, y, reset):
        """Return ``(Y, codes)``: the loss's target matrix and integer class codes (or None)."""

    def _apply_class_weight(self, w, y):
        return w

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
            X_val = validate_data(self, as_array_like(X_val), reset=False, dtype=_FLOATS).astype(
                run["X"].dtype, copy=False
            )
            run["Y_val"] = self._encode_targets(self._check_target(y_val), reset=False)[0].astype(
                X_val.dtype, copy=False
            )
            run["X_val"] = X_val
        return run

    # ---------------------------------------------------------------- training
    def _fit(self, X, y, sample_weight):
        run = self._prepare(X, y, sample_weight)
        if self.early_stopping and self.solver != "lbfgs":
            self._split_validation(run)
        best, best_state, stall = np.inf, None, 0
        converged = self.solver == "lbfgs"
        curve = self.validation_scores_ if run.get("early") else None
        gen = self._epochs(run)
        for record in gen:
            if self.verbose:
                print(f"Epoch {record['epoch']}, loss = {record['train_loss']:.8f}")
            if self.solver == "lbfgs":
                break
            current = record["val_loss"] if run.get("early") else self.loss_curve_[-1]
            if run.get("early"):
                curve.append(self._score_targets(run["Y_val"], run["raw_val"]))
            if current < best - self.tol:
                stall = 0
            else:
                stall += 1
            if current < best:
                best = current
                if run.get("early"):
                    best_state = network_state(run["net"])
            if stall > self.n_iter_no_change:
                converged = True
                break
        gen.close()
        if run.get("early"):
            self.best_validation_score_ = max(curve)
            self.best_loss_ = None
            if best_state is not None:
                self._commit_state(best_state)
        else:
            self.best_loss_ = float(best) if np.isfinite(best) else self.loss_curve_[-1]
            self.validation_scores_ = None
            self.best_validation_score_ = None
        if not converged:
            warnings.warn(
                f"Stopped at max_iter={self.max_iter} epochs without converging.",
                ConvergenceWarning,
                stacklevel=3,
            )
        return self

    def _split_validation(self, run):
        idx = np.arange(run["X"].shape[0])
        stratify = run["y_codes"] if self._loss != "squared_error" else None
        train, val = train_test_split(
            idx,
            test_size=self.validation_fraction,
            random_state=run["rng"].integers(2**31 - 1),
            stratify=stratify,
        )
        run["X_val"], run["Y_val"] = run["X"][val], run["Y"][val]
        for key in ("X", "Y"):
            run[key] = run[key][train]
        if run["w"] is not None:
            run["w"] = run["w"][train]
        run["early"] = True
        self.validation_scores_ = []

    def _prepare(self, X, y, sample_weight):
        """Validate everything and build the network; touch no fitted attribute."""
        self._validate_params()
        sizes = check_hidden_layer_sizes(self.hidden_layer_sizes)
        check_combinations(self)
        warm = self.warm_start and hasattr(self, "network_state_")
        y = self._check_target(y)
        X, y = validate_data(
            self,
            as_array_like(X),
            y,
            reset=not warm,
            dtype=_FLOATS,
            multi_output=self._loss == "squared_error",
            y_numeric=self._loss == "squared_error",
        )
        if self.solver == "lbfgs":  # full batch, small data: float64 keeps the line search exact
            X = X.astype(np.float64, copy=False)
        Y, y_codes = self._encode_targets(y, reset=not warm)
        Y = Y.astype(X.dtype, copy=False)
        w = None
        if sample_weight is not None or getattr(self, "class_weight", None) is not None:
            w = _check_sample_weight(sample_weight, X, dtype=X.dtype, ensure_non_negative=True)
            w = self._apply_class_weight(w, y)
            if not w.sum() > 0:
                raise ValueError(f"sample_weight must have a positive sum, got {w.sum()}")
        if self.batch_norm and X.shape[0] < 2:
            raise ValueError(
                "batch_norm=True needs at least 2 training rows to compute batch statistics; "
                f"got 1 sample (n_samples = {X.shape[0]})"
            )
        rng = generator(self.random_state)
        layer_sizes = (X.shape[1], *sizes, Y.shape[1])
        net = Network(
            layer_sizes,
            self.activation,
            self.batch_norm,
            self.dropout,
            self.dropout_scaling,
            self.bn_momentum,
            X.dtype,
        )
        same = warm and network_state(net)["layer_sizes"] == self.network_state_["layer_sizes"]
        if warm and not same:
            raise ValueError(
                "warm_start=True needs the same architecture as the fitted one; layer sizes "
                f"{self.network_state_['layer_sizes']} fitted, got {list(layer_sizes)}"
            )
        if warm:
            old = network_from_state(self.network_state_)
            net.theta[...] = old.theta
            net.running_mean, net.running_var = old.running_mean, old.running_var
        else:
            net.initialize(rng)
        return {
            "X": X,
            "Y": Y,
            "w": w,
            "y_codes": y_codes,
            "rng": rng,
            "net": net,
            "warm": warm,
            "X_val": None,
            "Y_val": None,
        }

    def _epochs(self, run):
        """The one training loop: yield a record per epoch and commit the fitted state."""
        X, Y, w, net, rng = run["X"], run["Y"], run["w"], run["net"], run["rng"]
        if not run["warm"] and self.output_bias == "prior":  # from the training rows only
            net.b[-1][...] = prior_logits(self._loss, Y, w)
        n = float(X.shape[0] if w is None else w.sum())
        penalties = Penalties(self.alpha, self.l1, self.weight_decay, self.max_norm, n)
        self._reset_history(run["warm"])
        controller = ThreadpoolController()
        start = self.n_iter_
        if self.solver == "lbfgs":
            with controller.limit(limits=1, user_api="blas"):
                result = minimize_lbfgs(
                    net, self._loss, X, Y, w, penalties, self.max_iter, self.tol, self.max_fun
                )
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
        trainer = Trainer(
            net, self._loss, X, Y, w, penalties, self.solver, batch_size, self.shuffle, rng, opt
        )
        # small matrices run fastest on one BLAS thread (no fork/join per product)
        threads = 1 if batch_size * max(net.layer_sizes) <= SMALL_PRODUCT else None
        for epoch in range(1, self.max_iter + 1):
            eta = self._learning_rate(epoch)
            with controller.limit(limits=threads, user_api="blas"):
                train_loss = trainer.epoch(eta)
            yield self._end_epoch(run, start + epoch, penalties, train_loss, samples=X.shape[0])

    def _learning_rate(self, epoch):
        eta0 = self.learning_rate_init
        if self.learning_rate == "cosine":
            return cosine_schedule(eta0, epoch - 1, self.max_iter)
        if self.learning_rate == "invscaling":
            return eta0 / epoch**self.power_t
        return eta0

    def _end_epoch(self, run, epoch, penalties, train_loss, samples=0):
        net = run["net"]
        if train_loss is None:  # lbfgs: the data term at the solution
            z = net.forward_predict(run["X"])
            losses = loss_value(self._loss, z, run["Y"])
            train_loss = float(losses.mean() if run["w"] is None else losses @ run["w"] / run["w"].sum())
        weights = net.weights
        if not (np.isfinite(train_loss) and np.isfinite(net.theta).all()):
            raise DivergenceError(
                f"training diverged at epoch {epoch}: non-finite loss or weights (loss "
                f"{train_loss}); lower learning_rate_init or the penalties"
            )
        val_loss = None
        state = network_state(net)
        self._commit_state(state, net)
        if run["X_val"] is not None:
            raw = self._raw(run["X_val"])
            run["raw_val"] = raw
            val_loss = float(loss_value(self._loss, raw, run["Y_val"]).mean())
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
        folded = (net if net is not None else network_from_state(state)).folded()
        self.network_state_ = state
        self.coefs_ = [W for W, _ in folded]
        self.intercepts_ = [b for _, b in folded]
        sizes = state["layer_sizes"]
        weights = state["theta"][: sum(a * b for a, b in itertools.pairwise(sizes))]
        self.sparsity_ = float(np.mean(weights == 0)) if weights.size else 0.0
        self.n_layers_ = len(state["layer_sizes"])
        self.n_outputs_ = state["layer_sizes"][-1]
        self.out_activation_ = {
            "squared_error": "identity",
            "log_loss": "logistic",
            "cross_entropy": "softmax",
        }[self._loss]

    # ---------------------------------------------------------------- prediction
    def _validate_X(self, X):
        check_is_fitted(self)
        if _is_checked_matrix(X, self):  # what validate_data would return unchanged: skip its ~0.3 ms
            return X.astype(self.coefs_[0].dtype, copy=False)
        X = validate_data(self, as_array_like(X), reset=False, dtype=_FLOATS)
        return X.astype(self.coefs_[0].dtype, copy=False)

    def _raw(self, X):
        """Prediction-mode logits for validated ``X``."""
        return forward_dense(X, list(zip(self.coefs_, self.intercepts_)), self.network_state_["activation"])

    def _mc_outputs(self, X, mc_samples):
        """``mc_samples`` transformed outputs with training-mode dropout, stacked on axis 0."""
        if not (isinstance(mc_samples, (int, np.integer)) and mc_samples >= 1):
            raise ValueError(f"mc_samples must be None or an integer >= 1, got {mc_samples!r}")
        net = network_from_state(self.network_state_)
        folded = net.folded(dropout_active=True)
        rng = generator(self.random_state)
        loss = {"identity": "squared_error", "logistic": "log_loss", "softmax": "cross_entropy"}[
            self.out_activation_
        ]
        return np.stack(
            [output_transform(loss, net.forward_predict(X, folded, rng)) for _ in range(mc_samples)]
        )
