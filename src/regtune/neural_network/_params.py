"""Parameter constraints and the checks between parameters, shared by both estimators."""

from numbers import Integral, Real

import numpy as np

from .._sklearn_internals import Interval, Options, StrOptions

__all__ = ["PARAMETER_CONSTRAINTS", "check_combinations", "check_hidden_layer_sizes"]

PARAMETER_CONSTRAINTS = {
    "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
    "activation": [StrOptions({"identity", "logistic", "tanh", "relu"})],
    "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
    "alpha": [Interval(Real, 0, None, closed="left")],
    "l1": [Interval(Real, 0, None, closed="left")],
    "weight_decay": [Interval(Real, 0, None, closed="left")],
    "max_norm": [Interval(Real, 0, None, closed="neither"), None],
    "dropout": [Interval(Real, 0, 1, closed="left")],
    "dropout_scaling": [StrOptions({"inverted", "classic"})],
    "batch_norm": ["boolean"],
    "bn_momentum": [Interval(Real, 0, 1, closed="both")],
    "output_bias": [StrOptions({"prior", "zero"})],
    "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
    "learning_rate": [StrOptions({"constant", "cosine", "invscaling"})],
    "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
    "power_t": [Interval(Real, 0, None, closed="left")],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "shuffle": ["boolean"],
    "random_state": ["random_state"],
    "tol": [Interval(Real, 0, None, closed="left")],
    "verbose": ["verbose"],
    "warm_start": ["boolean"],
    "momentum": [Interval(Real, 0, 1, closed="both")],
    "nesterovs_momentum": ["boolean"],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
    "beta_1": [Interval(Real, 0, 1, closed="left")],
    "beta_2": [Interval(Real, 0, 1, closed="left")],
    "epsilon": [Interval(Real, 0, None, closed="neither")],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), Options(Real, {np.inf})],
    "max_fun": [Interval(Integral, 1, None, closed="left")],
}


def check_hidden_layer_sizes(value):
    """Return ``hidden_layer_sizes`` as a tuple of positive ints, or raise ``ValueError``."""
    sizes = (value,) if isinstance(value, Integral) else tuple(value)
    for size in sizes:
        if not isinstance(size, Integral) or isinstance(size, bool) or size < 1:
            raise ValueError(f"hidden_layer_sizes must hold integers >= 1, got {value!r}")
    return tuple(int(s) for s in sizes)


def check_combinations(est):
    """Raise ``ValueError`` for parameter combinations the engine does not support."""
    if est.solver == "lbfgs":
        for name, off in (
            ("dropout", 0.0),
            ("l1", 0.0),
            ("weight_decay", 0.0),
            ("batch_norm", False),
            ("max_norm", None),
        ):
            value = getattr(est, name)
            if value != off and value is not None:
                raise ValueError(
                    f"{name} needs solver='sgd' or 'adam' (the full-batch lbfgs solver supports "
                    f"alpha only), got {name}={value!r} with solver='lbfgs'"
                )
