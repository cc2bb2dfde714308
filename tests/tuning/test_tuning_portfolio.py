"""The portfolio: slots 1 to 6 of a study train known-good single networks before TPE's draws."""

import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

from regtune.tuning import SearchSpace, trial_origin, tune
from regtune.tuning._portfolio import (
    PORTFOLIO,
    PORTFOLIO_NAMES,
    PortfolioSampler,
    _clipped,
    portfolio_entry,
    slot_entries,
)
from regtune.tuning._sampling import make_sampler
from regtune.tuning._slots import slot_number

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

MEMORY = "sqlite:///:memory:"


def _by_slot(study):
    return {slot_number(t): t for t in study.get_trials(deepcopy=False)}


def test_slots_one_to_six_train_the_portfolio_and_tpe_takes_over_after(small_binary):
    X, y = small_binary
    space = {"max_epochs": 3}
    result = tune(X, y, n_trials=9, cv=2, storage=MEMORY, space=space, pruner="none", progress=False)
    trials = _by_slot(result.study)
    assert sorted(trials) == list(range(9))
    # each trial is marked with where it came from (the report's "origin")
    origins = [trial_origin(trials[number]) for number in range(9)]
    assert origins == ["default", *(f"portfolio: {name}" for name in PORTFOLIO_NAMES), "search", "search"]
    for number in range(1, len(PORTFOLIO) + 1):
        entry = portfolio_entry(number - 1, "binary")
        params = trials[number].params
        # every parameter the trial sampled has the entry's value (bn_momentum only with batch norm)
        assert params == {name: entry[name] for name in params}, number
        assert set(params) >= {"width", "n_layers", "dropout", "learning_rate_init", "smooth", "l1_per_row"}
    assert trials[6].params["batch_norm"] is True and trials[6].params["bn_momentum"] == 0.9
    # slots 7 and 8 are TPE's (its random start): none equals a portfolio entry
    for number in (7, 8):
        params = trials[number].params
        for index in range(len(PORTFOLIO)):
            entry = portfolio_entry(index, "binary")
            assert any(params[name] != entry[name] for name in params if name in entry)


def test_classification_and_regression_entries_differ_where_the_task_defaults_do():
    for index in range(len(PORTFOLIO)):
        regression, binary = portfolio_entry(index, "regression"), portfolio_entry(index, "multiclass")
        assert set(regression) == set(binary)
        assert binary["learning_rate_init"] <= regression["learning_rate_init"]
        assert regression["n_members"] == 1 and regression["l1_per_row"] == 1e-4
    assert portfolio_entry(0, "binary") == portfolio_entry(0, "multiclass")
    # the default's network with the other embedding: regression's default is "ple"
    assert portfolio_entry(2, "regression")["numeric_embedding"] == "none"
    assert portfolio_entry(2, "binary")["numeric_embedding"] == "ple"


def test_values_are_clipped_into_the_domain_and_a_choice_not_offered_is_left_to_tpe():
    assert _clipped(512, IntDistribution(64, 200, log=True)) == 200
    assert _clipped(1e-5, FloatDistribution(1e-3, 1.0, log=True)) == 1e-3
    assert _clipped(0.1, FloatDistribution(0.0, 0.8)) == 0.1
    assert _clipped("ple", CategoricalDistribution(("none",))) is None
    assert _clipped(True, CategoricalDistribution((False, True))) is True


def test_a_narrowed_space_keeps_the_portfolio_inside_it(small_binary):
    X, _ = small_binary
    y = 2.0 * X["a"] - X["b"] ** 2  # regression: the portfolio's regression entries
    space = {"max_epochs": 3, "width": {"low": 64, "high": 200}, "numeric_embedding": {"choices": ["none"]}}
    result = tune(X, y, n_trials=3, cv=2, storage=MEMORY, space=space, pruner="none", progress=False)
    trials = _by_slot(result.study)
    assert trials[1].params["width"] == 200  # 256 clipped
    assert trials[2].params["width"] == 200  # 512 clipped
    assert trials[1].params["beta_2"] == 0.95
    assert trials[1].params["numeric_embedding"] == "none"  # "ple" is not offered: the one choice


def test_the_sampler_without_a_task_is_tpe_and_with_one_wraps_it():
    assert isinstance(make_sampler(0, 4), optuna.samplers.TPESampler)
    wrapped = make_sampler(0, 4, "regression")
    assert isinstance(wrapped, PortfolioSampler)
    study = optuna.create_study(sampler=wrapped)
    study.ask().suggest_int("width", 64, 1024, log=True)
    assert wrapped._entry(study.trials[0]) is None  # no slot attribute: not one of regtune's slots


def test_an_entry_that_repeats_an_earlier_one_in_a_narrowed_space_leaves_its_slot_to_tpe():
    default = SearchSpace.default()
    assert sorted(slot_entries("regression", default)) == [1, 2, 3, 4, 5, 6]
    sampled = [name for name in default if not default[name].fixed]
    values = {"bn_momentum": 0.9, **portfolio_entry(0, "regression")}

    def fix_all_but(*names):
        return {name: values[name] for name in sampled if name not in names}

    # only the decay searched: every entry is decay_per_step = 1e-5, so only slot 1 keeps its entry
    only_decay = default.override(fix_all_but("decay_per_step"))
    assert [n for n in only_decay if not only_decay[n].fixed] == ["decay_per_step"]
    assert sorted(slot_entries("regression", only_decay)) == [1]
    # the width (narrowed to 64-128) and the dropout searched: 256 and 512 clip to 128; entries
    # 1 (dropout 0.15), 2 (0.1), 3 (160 -> 128, 0) and 6 (128, 0.1, as 2) -> 4 and 5 repeat 3, 6 repeats 2
    narrow = default.override({**fix_all_but("width", "dropout"), "width": {"low": 64, "high": 128}})
    assert sorted(slot_entries("regression", narrow)) == [1, 2, 3]


def test_a_slot_whose_entry_repeats_is_marked_as_the_search(small_binary):
    X, y = small_binary
    # only the decay searched (the other names fixed): entries 2-6 repeat entry 1 there
    fixed = {
        name: value
        for name, value in {"bn_momentum": 0.9, **portfolio_entry(0, "binary"), "max_epochs": 2}.items()
        if name != "decay_per_step"
    }
    result = tune(X, y, n_trials=4, cv=2, storage=MEMORY, space=fixed, pruner="none", progress=False)
    origins = {number: trial_origin(t) for number, t in _by_slot(result.study).items()}
    assert origins == {0: "default", 1: f"portfolio: {PORTFOLIO_NAMES[0]}", 2: "search", 3: "search"}
