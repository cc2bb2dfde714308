"""Default ranges that the data and the budget can pay for: the network's size, the batch, the epochs.

The default space (LCBench's ranges: up to 5 layers of 1024 units, batches from 16, 50 epochs)
holds networks whose single epoch on 20,000 rows takes 40 s on one core; with a budget of a
minute such a trial could never finish. :func:`budget_space` shrinks the *default* ranges (a range
the user set is kept as given) until the most expensive configuration of the space can train
``MIN_EPOCHS`` epochs within the share of the budget one trial may use (``_budget.MAX_TRIAL_SHARE``),
as the cost model (``_cost``, for a machine ``PRIOR_SPEED`` times slower than the one its constants
come from) predicts. In this
order, each step the one that loses least of the space:

1. the smallest batch, doubled up to 64 (a batch of 16 rows costs 4 times the Python overhead
   per epoch of one of 64, and is rarely the best on data large enough to need this), while that
   cuts the cost by a fifth at least (on small data the batches are not what costs);
2. the widest layer, halved down to 256 units;
3. the number of layers, down to 3;
4. the widest layer, halved down to the narrowest (64);
5. the number of layers, down to 1;
6. the smallest batch, doubled up to 256;
7. the widest layer, halved down to 8 units.

The members: the default configuration keeps its 3 members (``n_members``) only where the default
trial can train them ``MEMBER_EPOCHS`` epochs on all its folds' rows within its own share
(``_budget.DEFAULT_TRIAL_SHARE``); below that, ``n_members`` is fixed to 1 for every trial, the
default one included (3 members cost about 3 times one network of their width). The search's own
trials train one network (the default space's choice) unless the user gives members to search;
``_largest`` leaves members out, such trials' epochs being capped by the trial share like any
other's.

The epoch budget ``max_epochs`` (fixed, 50) becomes what the default configuration can train in
that share, at least ``MIN_EPOCHS`` (so Hyperband's brackets fit the trials that will run). Small
data or a long budget leave the space as it is.
"""

import math

from ._budget import DEFAULT_TRIAL_SHARE, MAX_TRIAL_SHARE
from ._cost import CostModel
from ._default_trial import space_defaults
from ._space import SearchSpace

__all__ = ["MIN_EPOCHS", "budget_space", "default_train_rows", "search_configuration", "train_rows_cap"]

# The most expensive configuration of a scaled space can train this many epochs in one trial.
MIN_EPOCHS = 5
# The default configuration keeps its members (n_members = 3) only where the default trial can train
# them this many epochs in its share of the budget: the median epochs the untuned network trains
# under early stopping on the quality benchmark's tables was 21 (docs/benchmarks.md, "k-member
# networks"); cut far below that, 3 members lost to one network of the budget's width.
MEMBER_EPOCHS = 20
# The space is sized before any trial measured this machine: for one this many times slower than
# the cost model's (its constants come from the development machine at rest; on 2 cores shared
# with other work steps took 2-3 times as long).
PRIOR_SPEED = 2.0
# (name, limit) of each shrinking step, in order (see the module docstring).
_STEPS = (
    ("batch_size", 64),
    ("width", 256),
    ("n_layers", 3),
    ("width", 64),
    ("n_layers", 1),
    ("batch_size", 256),
    ("width", 8),
)


def _extreme(param, largest=True):
    """The largest (or smallest) value ``param`` (a space entry) may take."""
    if param.fixed:
        return param.value
    if param.choices is not None:
        return (max if largest else min)(param.choices)
    return param.high if largest else param.low


def _largest(space):
    """The most expensive configuration of ``space``: widest, deepest, smallest batch."""
    names = ("width", "n_layers", "batch_size")
    config = {name: _extreme(space[name], largest=name != "batch_size") for name in names if name in space}
    config.update(batch_norm=True, dropout=0.5)
    return config


def _is_default(space, name):
    return name in space and space[name] == SearchSpace.default()[name]


def _prior_model(n_rows, n_inputs, n_outputs, cv, embedded):
    """The cost model before any trial measured this machine (``PRIOR_SPEED``)."""
    return CostModel(
        n_rows=n_rows, n_inputs=n_inputs, n_outputs=n_outputs, cv=cv, speed=PRIOR_SPEED, embedded=embedded
    )


def _members_fit(space, task, timeout, model):
    """Whether the default configuration's members can train ``MEMBER_EPOCHS`` epochs within the
    default trial's share of the budget (one member always can); ``model``: the prior cost model
    on all of a fold's rows, which the default trial trains on (``default_train_rows``)."""
    default = space_defaults(space, task)
    if int(default.get("n_members", 1)) == 1:
        return True
    return MEMBER_EPOCHS * model.step_seconds(default) <= DEFAULT_TRIAL_SHARE * float(timeout)


def budget_space(space, *, task, n_rows, n_inputs, n_outputs, cv, timeout, max_train_rows=None, embedded=()):
    """``space`` with its default network, batch and epoch ranges sized for the data and budget.

    Parameters
    ----------
    space : SearchSpace
    task : {"binary", "multiclass", "regression"}
        Whose default configuration (its cost sets the epochs) applies.
    n_rows, n_inputs, n_outputs, cv : int
        Rows of the data, network inputs and outputs, folds.
    timeout : float or None
        The job's budget in seconds; None leaves ``space`` as it is.
    max_train_rows : int, optional
        The rows each fold's network trains on, when fewer than its training rows
        (:func:`train_rows_cap`).
    embedded : tuple of int, default=()
        Distinct values of each column a numeric embedding would transform
        (``_cost.embedded_numeric``).

    Returns
    -------
    SearchSpace
        A new space (``space.override``); the ranges a user set are kept.
    """
    if timeout is None:
        return space
    model = _prior_model(n_rows, n_inputs, n_outputs, cv, embedded)
    if max_train_rows is not None:
        model.train_rows = min(model.train_rows, max_train_rows)
    per_trial = MAX_TRIAL_SHARE * float(timeout)
    overrides = {}

    def current():
        return space.override(overrides)

    def fits():
        return MIN_EPOCHS * model.step_seconds(_largest(current())) <= per_trial

    def shrink(name, limit):
        """Move ``name``'s costly bound one step toward ``limit``; False when it cannot move."""
        if not _is_default(space, name):
            return False
        param = current()[name]
        low, high = (param.value, param.value) if param.fixed else (param.low, param.high)
        if name == "batch_size":
            before = model.cost(_largest(current()))
            low = min(limit, low * 2)
            if low == param.low or low > limit:
                return False
            overrides[name] = {"low": low, "high": max(high, low)}
            if model.cost(_largest(current())) > 0.8 * before:  # batches are not what costs
                overrides[name] = {"low": param.low, "high": param.high}
                return False
            return True
        high = high // 2 if name == "width" else high - 1
        if high < limit:
            return False
        overrides[name] = {"low": min(low, high), "high": high}
        return True

    while not fits() and any(shrink(name, limit) for name, limit in _STEPS):
        pass  # each round takes the first step that can still move (after each, batches again)
    if _is_default(space, "n_members"):
        all_rows = _prior_model(n_rows, n_inputs, n_outputs, cv, embedded)  # the default trial's
        if not _members_fit(current(), task, timeout, all_rows):
            overrides["n_members"] = 1
    if _is_default(space, "max_epochs"):
        default_cost = model.step_seconds(space_defaults(current(), task))
        affordable = math.floor(per_trial / default_cost) if default_cost > 0 else space.max_epochs()
        epochs = max(MIN_EPOCHS, min(space.max_epochs(), affordable))
        if epochs != space.max_epochs():
            overrides["max_epochs"] = epochs
    return current()


# Hyperband's first rung (one step of the search's default configuration, search_configuration)
# trains within this many seconds, or this share of the budget when that is longer (validating the
# folds comes on top).
FIRST_RUNG_SECONDS = 3.0
FIRST_RUNG_SHARE = 0.02


def search_configuration(task, space=None):
    """The configuration whose step sizes the search's rows cap: the default one as the search's
    trials train it. With the default space's ``n_members`` that is one network (the default
    trial's 3 members cost about 3 times as much per row, and sized on them the cap would cut the
    rows of trials that do not train them); where ``space`` (the one asked for) fixes or searches
    the members, its largest number of members."""
    members = 1
    if space is not None and "n_members" in space and not _is_default(space, "n_members"):
        members = _extreme(space["n_members"])
    return {**space_defaults(SearchSpace.default(), task), "n_members": int(members)}


def train_rows_cap(
    *, task, n_rows, n_inputs, n_outputs, cv, timeout, embedded=(), step_seconds=None, configuration=None
):
    """Rows as a fidelity on large data: the number of training rows of a fold each network trains
    on, so that the training part of one step of ``configuration`` (default: the search's
    trials' default, :func:`search_configuration`) takes ``FIRST_RUNG_SECONDS`` (or
    ``FIRST_RUNG_SHARE`` of the budget, if longer; or ``step_seconds`` when given); None when
    every row fits (or no budget).

    The validation folds keep all their rows, so scores stay cross-validated on the whole data;
    their evaluation is not counted against the target, since no subset of the training rows can
    shorten it (on 300,000 rows it alone exceeded 3 s, and counting it sent every network to
    the 1,000-row floor).
    """
    if timeout is None:
        return None
    target = step_seconds
    if target is None:
        target = max(FIRST_RUNG_SECONDS, FIRST_RUNG_SHARE * float(timeout))
    model = _prior_model(n_rows, n_inputs, n_outputs, cv, embedded)
    default = search_configuration(task) if configuration is None else configuration
    full = model.train_rows
    model.train_rows = 1
    evaluation = model.step_seconds(default)  # what the validation rows cost, whatever the subset

    def training(rows):
        model.train_rows = rows
        return model.step_seconds(default) - evaluation

    if training(full) <= target:
        return None
    low, high = min(full, 1000), full  # never fewer than 1,000 rows
    while high - low > max(1, high // 100):  # to 1 % of the answer, however large the data
        middle = (low + high) // 2
        low, high = (middle, high) if training(middle) <= target else (low, middle)
    return int(low)


def default_train_rows(max_train_rows, *, timeout, configuration=None, **sizes):
    """The rows of a fold the default trial trains on: all of them (None) unless the training
    part of one step of its ``configuration`` (what it trains: ``space_defaults`` of the
    budget-sized space, with the width or members the budget or the user fixed; None: the
    search's configuration) on them would take more than its whole share of the budget
    (``DEFAULT_TRIAL_SHARE``, on the cost model's slow machine; its epochs are then capped from
    its measured steps), and never fewer than the search's ``max_train_rows`` (``sizes``: as
    :func:`train_rows_cap`'s).

    The search's trials train on ``max_train_rows`` so that Hyperband's first decisions come fast;
    the pruner never stops the default trial, which gains nothing from that, and its fold
    ensemble is the final model when no trial beats it: on fewer rows it is worse than the
    untuned estimator fit on all of them (diamonds' 40,455 training rows at T = 30 s: on a third
    of its share's rows, 2.6 % more test error; docs/benchmarks.md).
    """
    if max_train_rows is None:
        return None
    own = train_rows_cap(
        timeout=timeout,
        step_seconds=DEFAULT_TRIAL_SHARE * float(timeout),
        configuration=configuration,
        **sizes,
    )
    return None if own is None else max(own, max_train_rows)
