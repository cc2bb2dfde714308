"""The portfolio: trials 1 to 6 of a study are known-good single networks, not random draws.

TPE starts from random configurations until it has results to model. In regtune's space a random
draw is often hopeless (all three penalties on at once, a dropout of 0.6, five layers of 800
units: it trains for up to a quarter of the budget at the constant model's score), and Hyperband
cannot stop the first trials of a bracket (they have nothing to be compared with). The portfolio
puts six configurations in their place, near the default and the published recipes (RealMLP's
3 x 256 with dropout 0.15 and Adam's beta2 = 0.95, TabM's wider 3 x 512 with dropout 0.1, the
default with the other numeric embedding, a faster and a slower learning rate, batch
normalization deeper), with the penalties at the low ends of their ranges (where they barely
act). They are TPE's first observations: its model of the space starts from good trials, and
the search's gains over the default come earlier.

The slots (``_slots``) number the study's trials: slot ``s`` for ``1 <= s <= len(PORTFOLIO)``
takes portfolio entry ``s - 1``, whichever worker claims it. A value outside the study's
domain (a width the budget narrowed away) is clipped into it; a parameter an entry leaves out,
or a choice the space does not offer, is TPE's. In a space the user narrowed, two entries can
become the same trial (only a penalty searched: all six at its low end); an entry that repeats
an earlier one on the parameters the space samples leaves its slot to TPE.
"""

import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

from ._default_trial import is_default_trial
from ._optuna_internals import storage_of, trial_id
from ._slots import slot_number

__all__ = [
    "PORTFOLIO",
    "PORTFOLIO_ATTR",
    "PORTFOLIO_NAMES",
    "PortfolioSampler",
    "portfolio_entry",
    "slot_entries",
    "trial_origin",
]

# The system attribute that marks a trial the portfolio configured: its entry's index (0-based).
PORTFOLIO_ATTR = "regtune:portfolio"

# The penalties at the low ends of their ranges: the search space has no "off" for them.
_QUIET = {"alpha_per_row": 1e-5, "l1_per_row": 1e-4, "decay_per_step": 1e-5}
_COMMON = {**_QUIET, "n_members": 1, "batch_norm": False, "beta_1": 0.9, "beta_2": 0.999, "max_onehot": 64}

# Each entry: the values for regression, then what differs for classification.
PORTFOLIO = (
    # RealMLP-TD's shape: 3 x 256, dropout 0.15, beta2 0.95, numeric embeddings for every task.
    ({"width": 256, "n_layers": 3, "dropout": 0.15, "learning_rate_init": 3e-3, "batch_size": 256,
      "numeric_embedding": "ple", "beta_2": 0.95, "smooth": 10.0},
     {"learning_rate_init": 1e-3}),
    # TabM's wider shape: 3 x 512, dropout 0.1.
    ({"width": 512, "n_layers": 3, "dropout": 0.1, "learning_rate_init": 2e-3, "batch_size": 256,
      "numeric_embedding": "ple", "smooth": 10.0},
     {"learning_rate_init": 1e-3, "numeric_embedding": "none"}),
    # The default's network alone, with the other numeric embedding.
    ({"width": 160, "n_layers": 3, "dropout": 0.0, "learning_rate_init": 3e-3, "batch_size": 200,
      "numeric_embedding": "none", "smooth": 10.0},
     {"learning_rate_init": 1e-3, "numeric_embedding": "ple"}),
    # The default's network alone, learning rate x 3.
    ({"width": 160, "n_layers": 3, "dropout": 0.0, "learning_rate_init": 1e-2, "batch_size": 200,
      "numeric_embedding": "ple", "smooth": 10.0},
     {"learning_rate_init": 3e-3, "numeric_embedding": "none"}),
    # Smaller and slower: 2 x 128, learning rate / 3, batches of 64, a little L2.
    ({"width": 128, "n_layers": 2, "dropout": 0.0, "learning_rate_init": 1e-3, "batch_size": 64,
      "numeric_embedding": "ple", "smooth": 10.0, "alpha_per_row": 1e-4},
     {"learning_rate_init": 3e-4, "numeric_embedding": "none"}),
    # Batch normalization, deeper: 4 x 256, dropout 0.1.
    ({"width": 256, "n_layers": 4, "dropout": 0.1, "learning_rate_init": 3e-3, "batch_size": 256,
      "numeric_embedding": "ple", "smooth": 10.0, "batch_norm": True, "bn_momentum": 0.9},
     {"learning_rate_init": 1e-3, "numeric_embedding": "none"}),
)  # fmt: skip

# The entries' names, as the report shows them (same order as PORTFOLIO).
PORTFOLIO_NAMES = (
    "RealMLP-TD's shape (3 x 256, dropout 0.15, beta2 0.95)",
    "TabM's wider shape (3 x 512, dropout 0.1)",
    "the default's network, the other numeric embedding",
    "the default's network, learning rate x 3",
    "smaller and slower (2 x 128, learning rate / 3, batches of 64)",
    "deeper with batch normalization (4 x 256, dropout 0.1)",
)


def trial_origin(trial):
    """Where a trial's configuration came from: ``"default"`` (the study's untuned default
    trial), ``"portfolio: <entry's name>"``, or ``"search"`` (TPE, or a trial made elsewhere)."""
    if is_default_trial(trial):
        return "default"
    index = trial.system_attrs.get(PORTFOLIO_ATTR)
    if isinstance(index, int) and 0 <= index < len(PORTFOLIO_NAMES):
        return f"portfolio: {PORTFOLIO_NAMES[index]}"
    return "search"


def portfolio_entry(index, task):
    """Portfolio entry ``index`` (0-based) for ``task``: ``name -> value``."""
    regression, classification = PORTFOLIO[index]
    return {**_COMMON, **regression, **({} if task == "regression" else classification)}


def _clip(value, choices, low, high, integer):
    """``value`` inside a domain (``choices``, or the range ``low .. high``, of integers when
    ``integer``), or None when it cannot be (a choice not offered)."""
    if choices is not None:
        return value if value in choices else None
    inside = min(max(value, low), high)
    return round(inside) if integer else float(inside)


def _in_space(entry, space):
    """``entry`` restricted to what ``space`` (a SearchSpace) samples, each value clipped into its
    domain (a choice the space does not offer left out)."""
    values = {}
    for name in space:
        param = space[name]
        if param.fixed or name not in entry:
            continue
        value = _clip(entry[name], param.choices, param.low, param.high, param.kind == "int")
        if value is not None:
            values[name] = value
    return values


def slot_entries(task, space=None):
    """``slot -> entry`` of the portfolio for ``task``: slots ``1 .. len(PORTFOLIO)``, less those
    whose entry repeats an earlier one on what ``space`` (a SearchSpace) samples."""
    entries, seen = {}, []
    for index in range(len(PORTFOLIO)):
        entry = portfolio_entry(index, task)
        if space is not None:
            sampled = _in_space(entry, space)
            if sampled in seen:
                continue
            seen.append(sampled)
        entries[index + 1] = entry
    return entries


def _clipped(value, distribution):
    """``value`` inside an Optuna ``distribution``, or None when it cannot be."""
    if isinstance(distribution, CategoricalDistribution):
        return _clip(value, distribution.choices, None, None, False)
    if isinstance(distribution, (FloatDistribution, IntDistribution)):
        integer = isinstance(distribution, IntDistribution)
        return _clip(value, None, distribution.low, distribution.high, integer)
    return None


class PortfolioSampler(optuna.samplers.BaseSampler):
    """``sampler`` (TPE) with the portfolio's values for slots ``1 .. len(PORTFOLIO)`` (those of
    :func:`slot_entries` in the study's ``space``)."""

    def __init__(self, sampler, task, space=None):
        self._sampler = sampler
        self._entries = slot_entries(task, space)
        # trial number -> slot, read once in before_trial: the trial that sample_independent gets
        # loads its system attributes from the storage again at each read.
        self._slots = {}

    def _entry(self, trial):
        number = self._slots[trial.number] if trial.number in self._slots else slot_number(trial)
        return self._entries.get(number)

    def infer_relative_search_space(self, study, trial):
        return self._sampler.infer_relative_search_space(study, trial)

    def sample_relative(self, study, trial, search_space):
        entry = self._entry(trial)
        if entry is None:
            return self._sampler.sample_relative(study, trial, search_space)
        # The entry's values where they fit; TPE's (or the random start's) for the rest.
        values = {}
        for name, distribution in search_space.items():
            value = _clipped(entry[name], distribution) if name in entry else None
            if value is not None:
                values[name] = value
        rest = {n: d for n, d in search_space.items() if n not in values}
        if rest:
            values.update(self._sampler.sample_relative(study, trial, rest))
        return values

    def sample_independent(self, study, trial, param_name, param_distribution):
        entry = self._entry(trial)
        if entry is not None and param_name in entry:
            value = _clipped(entry[param_name], param_distribution)
            if value is not None:
                return value
        return self._sampler.sample_independent(study, trial, param_name, param_distribution)

    def before_trial(self, study, trial):
        slot = self._slots[trial.number] = slot_number(trial)
        # marked for the report, once per portfolio trial (a retried copy carries the mark already)
        if slot in self._entries and trial.system_attrs.get(PORTFOLIO_ATTR) != slot - 1:
            storage_of(study).set_trial_system_attr(trial_id(trial), PORTFOLIO_ATTR, slot - 1)
        self._sampler.before_trial(study, trial)

    def after_trial(self, study, trial, state, values):
        self._slots.pop(trial.number, None)
        self._sampler.after_trial(study, trial, state, values)

    def reseed_rng(self):
        self._sampler.reseed_rng()
