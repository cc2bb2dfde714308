"""The search space: documented defaults, overrides from Python and TOML, real conditionals."""

import math

import optuna
import pytest

from regtune.tuning import SearchSpace

# The ranges the issue cites (LCBench, "well-tuned simple nets"), restated here as the oracle.
CITED = {
    "learning_rate_init": (1e-4, 1e-1, True),
    "dropout": (0.0, 0.8, False),
    "n_layers": (1, 5, False),
    "width": (64, 1024, True),
    "batch_size": (16, 512, True),
}
# The penalties' ranges, measured to span no effect to the constant model on 500 and 20,000 rows
# (docs/tuning.md; tests/tuning/test_tuning_penalty_ranges.py checks both ends).
MEASURED = {
    "decay_per_step": (1e-5, 0.9, True),
    "alpha_per_row": (1e-5, 1.0, True),
    "l1_per_row": (1e-4, 10.0, True),
}


def test_default_space_has_the_cited_ranges_and_every_parameter():
    space = SearchSpace.default("binary")
    for name, (low, high, log) in {**CITED, **MEASURED}.items():
        assert (space[name].low, space[name].high, space[name].log) == (low, high, log), name
    expected = {
        "alpha_per_row",
        "l1_per_row",
        "decay_per_step",
        "dropout",
        "batch_norm",
        "bn_momentum",
        "numeric_embedding",
        "n_members",
        "learning_rate_init",
        "n_layers",
        "width",
        "batch_size",
        "max_epochs",
        "smooth",
        "beta_1",
        "beta_2",
        "max_onehot",
        "numeric_scaling",
        "clip",
    }
    assert set(space) == expected
    assert space["max_onehot"].choices == (0, 8, 16, 32, 64)
    assert space["numeric_embedding"].choices == ("ple", "none")
    assert space["n_members"].choices == (1,)  # the default trial's 3 lies outside: it trains them alone
    assert (space["numeric_scaling"].value, space["clip"].value) == ("robust", True)
    assert space["bn_momentum"].only_if == ("batch_norm", True)
    assert space["max_epochs"].value == 50
    assert SearchSpace.default("regression") == space


def _sample(space, n, has_categorical=True, has_numeric=True):
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(n):
        trial = study.ask()
        params = space.suggest(trial, has_categorical=has_categorical, has_numeric=has_numeric)
        study.tell(trial, 0.0)
        yield params, trial.params


def test_bn_momentum_is_a_real_conditional():
    seen = {True: 0, False: 0}
    for params, sampled in _sample(SearchSpace.default(), 40):
        seen[params["batch_norm"]] += 1
        # Optuna sees bn_momentum only in trials where batch norm is on.
        assert ("bn_momentum" in sampled) == params["batch_norm"]
        assert ("bn_momentum" in params) == params["batch_norm"]
    assert seen[True] > 0 and seen[False] > 0


def test_smooth_only_with_categorical_columns():
    ((params, sampled),) = _sample(SearchSpace.default(), 1, has_categorical=False)
    assert "smooth" not in params and "smooth" not in sampled
    ((params, sampled),) = _sample(SearchSpace.default(), 1, has_categorical=True)
    assert 0.1 <= params["smooth"] <= 1000


def test_the_encoder_and_scaler_parameters_only_with_their_columns():
    space = SearchSpace.default().override({"numeric_scaling": {"choices": ["robust", "standard"]}})
    ((params, sampled),) = _sample(space, 1, has_categorical=False)
    assert not {"smooth", "max_onehot"} & (set(params) | set(sampled))
    assert params["clip"] is True and params["numeric_scaling"] in ("robust", "standard")
    assert "numeric_scaling" in sampled and "clip" not in sampled  # a fixed value is not sampled
    ((params, sampled),) = _sample(space, 1, has_numeric=False)
    assert not {"numeric_scaling", "clip"} & (set(params) | set(sampled))
    assert params["max_onehot"] in (0, 8, 16, 32, 64) and "max_onehot" in sampled
    ((params, _),) = _sample(space, 1)  # both kinds: everything
    assert {"smooth", "max_onehot", "numeric_scaling", "clip"} <= set(params)


def test_samples_stay_in_their_ranges_with_the_right_types():
    space = SearchSpace.default()
    for params, _ in _sample(space, 30):
        for name, value in params.items():
            param = space[name]
            if param.fixed:
                assert value == param.value
            elif param.choices is not None:  # max_onehot: an int kind with choices
                assert value in param.choices and type(value) is type(param.choices[0])
            elif param.kind == "int":
                assert isinstance(value, int) and param.low <= value <= param.high
            elif param.kind == "float":
                assert param.low <= value <= param.high


def test_override_fixes_narrows_gives_choices_and_drops():
    space = SearchSpace.default().override(
        {
            "dropout": 0.0,
            "width": {"low": 8, "high": 32},
            "n_layers": {"choices": [1, 2]},
            "learning_rate_init": {"low": 1e-3},
        },
        drop=["l1_per_row"],
    )
    assert space["dropout"].fixed and space["dropout"].value == 0.0
    assert (space["width"].low, space["width"].high, space["width"].log) == (8, 32, True)
    assert space["n_layers"].choices == (1, 2)
    assert (space["learning_rate_init"].low, space["learning_rate_init"].high) == (1e-3, 1e-1)
    assert "l1_per_row" not in space
    for params, _ in _sample(space, 15):
        assert "l1_per_row" not in params and params["dropout"] == 0.0
        assert params["n_layers"] in (1, 2) and 8 <= params["width"] <= 32
    # A range of one value is a fixed value.
    assert SearchSpace.from_dict({"width": {"low": 16, "high": 16}})["width"].value == 16


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"alhpa": 1.0}, "no hyperparameter 'alhpa'"),
        ({"width": {"low": 64, "high": 8}}, "empty range: low=64 > high=8"),
        ({"alpha_per_row": {"low": 0.0, "high": 1.0}}, "log-scaled so low must be > 0"),
        ({"alpha": 1.0}, r"no hyperparameter 'alpha' \(the search samples 'alpha_per_row' = alpha / rows\)"),
        ({"dropout": 1.0}, r"space\['dropout'\] must be in \[0.0, 1.0\), got 1.0"),
        ({"width": 2.5}, "must be an integer, got 2.5"),
        ({"batch_norm": "yes"}, "must be true or false"),
        ({"n_layers": {"choices": []}}, "must not be empty"),
        ({"width": {"lo": 1}}, "unknown"),
        ({"drop": ["nope"]}, "no hyperparameter 'nope'"),
    ],
)
def test_bad_overrides_raise_clear_errors(overrides, message):
    with pytest.raises(ValueError, match=message):
        SearchSpace.from_dict(overrides)


def test_toml_overrides_and_round_trip(tmp_path):
    path = tmp_path / "space.toml"
    path.write_text(
        "[space]\n"
        "dropout = 0.0\n"
        "learning_rate_init = {low = 1e-3, high = 1e-2}\n"
        "n_layers = {choices = [1, 2]}\n"
        "batch_norm = true\n"
        'drop = ["l1_per_row", "decay_per_step"]\n'
    )
    space = SearchSpace.from_toml(path)
    assert space["dropout"].value == 0.0 and space["batch_norm"].value is True
    assert math.isclose(space["learning_rate_init"].high, 1e-2)
    assert "l1_per_row" not in space and "decay_per_step" not in space
    assert SearchSpace.from_dict(space.to_dict()) == space
    assert SearchSpace.from_dict(SearchSpace.default().to_dict()) == SearchSpace.default()
    # bn_momentum follows batch_norm=True (fixed): always sampled.
    assert all("bn_momentum" in params for params, _ in _sample(space, 5))


def test_max_epochs_is_the_pruners_maximum_resource():
    assert SearchSpace.default().max_epochs() == 50
    assert SearchSpace.from_dict({"max_epochs": {"low": 5, "high": 30}}).max_epochs() == 30
    assert SearchSpace.from_dict({"max_epochs": {"choices": [3, 9]}}).max_epochs() == 9


def test_a_child_whose_parent_is_dropped_is_not_sampled():
    space = SearchSpace.from_dict({"drop": ["batch_norm"]})
    assert all("bn_momentum" not in params for params, _ in _sample(space, 5))
