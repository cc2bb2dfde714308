"""The default first: trial 0 of every study is the configuration a user gets untuned.

:func:`space_defaults` looks those values up: the table's pipeline defaults
(:func:`regtune.tuning.default_configuration`, what ``build_pipeline({})`` builds), and the space's
value for a parameter the space fixes.

Optuna runs a queued trial with given parameters through the ``fixed_params`` of the queued trial
(see ``_optuna_internals.queued_trial_attrs``): each ``suggest_*`` call returns the given value.
A default outside the searched domain (``l1_per_row = 0`` in a log-scaled range, ``batch_size = "auto"``,
``smooth = "auto"``, ``width = 160`` when the budget narrowed the widths below it) cannot be given that way;
trial 0 does not sample those parameters at all (:func:`default_trial_unsampled`), so the pipeline
keeps its own default for them, exactly as untuned. A range the user set is the exception: when
it leaves the default out, the user asked for other values, and trial 0 samples it as any trial.

The training too (``_objective.run_cv_trial``): the pruner never stops trial 0, and with a time
budget it trains as the untuned pipeline does: stopped when the mean validation score has not
improved for its ``n_iter_no_change`` (10) epochs, within three quarters of the budget
(``_budget.DEFAULT_TRIAL_SHARE``, its epochs capped by its own measured steps) and the
study's deadline; and where the budget shortened the space's epoch budget (``_budget_space``:
``max_epochs`` becomes what fits a quarter of the budget, 5 on 15,000 rows in a minute), it still
trains up to the untuned ``max_epochs`` (50, :func:`default_epochs`). Without that, the "default"
of a short budget was a network stopped at epoch 5 that lost to the untuned model.
"""

import optuna

from ._optuna_internals import storage_of, trial_id
from ._pipeline import default_configuration

__all__ = [
    "DEFAULT_EPOCHS",
    "DEFAULT_TRIAL",
    "default_epochs",
    "default_trial",
    "default_trial_record",
    "default_trial_unsampled",
    "is_default_trial",
    "space_defaults",
]

# System attribute of trial 0: the names it leaves to the pipeline's defaults (kept by a requeued
# copy of it).
DEFAULT_TRIAL = "regtune:default"
# System attribute of trial 0 when it trains the untuned epochs (see default_epochs): the epochs.
DEFAULT_EPOCHS = "regtune:default_epochs"


def space_defaults(space, task):
    """The value each hyperparameter of ``space`` takes when nothing is tuned.

    Parameters
    ----------
    space : SearchSpace
    task : {"binary", "multiclass", "regression"}

    Returns
    -------
    dict
        ``name -> value`` for every name in ``space``: the fixed value of a fixed parameter, else
        the pipeline default (:func:`regtune.tuning.default_configuration`, the table's), which
        may lie outside the searched range (``alpha_per_row=0`` in a log-scaled range).

    Examples
    --------
    >>> from regtune.tuning import SearchSpace
    >>> from regtune.tuning._default_trial import space_defaults
    >>> config = space_defaults(SearchSpace.default(), "regression")
    >>> config["alpha_per_row"], config["width"], config["n_layers"], config["max_epochs"]
    (0.0, 160, 3, 50)
    """
    untuned = default_configuration(task)
    return {name: space[name].value if space[name].fixed else untuned[name] for name in space}


def _in_domain(param, value):
    if param.fixed:
        return value == param.value
    if param.choices is not None:
        return value in param.choices
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if param.kind == "int" and not float(value).is_integer():
        return False
    return param.low <= value <= param.high


def default_trial(space, task, user_set=()):
    """``(fixed_params, unsampled)`` of trial 0 of a study of ``task``.

    ``fixed_params``: the searched parameters whose default lies in the searched domain (given to
    Optuna); ``unsampled``: those whose default does not and whose range the user did not set
    (``user_set``: names), left out of trial 0 so the pipeline's default applies.
    """
    fixed, unsampled = {}, []
    for name, value in space_defaults(space, task).items():
        param = space[name]
        if param.fixed:
            continue
        if _in_domain(param, value):
            fixed[name] = value
        elif name not in user_set:
            unsampled.append(name)
    return fixed, unsampled


def default_epochs(space, task, user_set=()):
    """The epochs trial 0 trains when the budget shortened the space's epoch budget: the untuned
    pipeline's ``max_epochs``; None when ``space`` keeps it (or the user set ``max_epochs``)."""
    untuned = int(default_configuration(task)["max_epochs"])
    if "max_epochs" in user_set or space.max_epochs() >= untuned:
        return None
    return untuned


def _system_attrs(trial):
    if isinstance(trial, optuna.trial.FrozenTrial):
        return trial.system_attrs
    return storage_of(trial.study).get_trial_system_attrs(trial_id(trial))


def default_trial_unsampled(trial):
    """The names the default trial leaves to the pipeline's defaults (a list), or None when
    ``trial`` (a running ``Trial`` or a ``FrozenTrial``) is not the study's default trial."""
    unsampled = _system_attrs(trial).get(DEFAULT_TRIAL)
    return None if unsampled is None else list(unsampled)


def default_trial_record(trial):
    """``(unsampled, epochs)`` of ``trial`` from one read of its attributes: the names it leaves to
    the pipeline's defaults (None when it is not the default trial) and the untuned epochs it
    trains (None unless :func:`default_epochs` extended them)."""
    attrs = _system_attrs(trial)
    unsampled = attrs.get(DEFAULT_TRIAL)
    if unsampled is None:
        return None, None
    return list(unsampled), attrs.get(DEFAULT_EPOCHS)


def is_default_trial(trial):
    """Whether ``trial`` (a running ``Trial`` or a ``FrozenTrial``) is a study's default trial."""
    return default_trial_unsampled(trial) is not None
