"""Parameter constraints (derived from the hyperparameter table) and the checks between parameters."""

from numbers import Integral

from .._hyperparameters import MLP, sklearn_constraints

__all__ = ["PARAMETER_CONSTRAINTS", "check_combinations", "check_hidden_layer_sizes"]

# Every parameter both estimators share, with the limits the hyperparameter table declares.
PARAMETER_CONSTRAINTS = sklearn_constraints(MLP)


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
