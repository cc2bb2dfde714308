"""The hyperparameter table, and everything derived from it, agree with what they describe.

Oracles: the estimators' own ``__init__`` signatures and scikit-learn's parameter validation (the
constraints the estimators really enforce), the column encoder's and scaler's, the engine's
batch-norm update, the report's grouping and docs/tuning.md's table.
"""

import inspect
import math
import re
from pathlib import Path

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError, validate_parameter_constraints

from regtune._hyperparameters import (
    CATEGORICAL,
    HYPERPARAMETERS,
    MLP,
    NUMERIC,
    Bounds,
    ByTask,
    DividedBy,
    Hyperparameter,
    Search,
    parameters_doc,
    pipeline_configuration,
    regularization_names,
    route,
    searched,
)
from regtune._hyperparameters._table import _index
from regtune.neural_network import MLPClassifier, MLPRegressor
from regtune.nn import Network
from regtune.preprocessing import CategoricalEncoder, NumericScaler
from regtune.report._style import REGULARIZATION_PARAMS
from regtune.tuning import SearchSpace, build_pipeline, default_configuration
from regtune.tuning._pipeline import PIPELINE_STEPS

DOCS = Path(__file__).resolve().parents[1] / "docs"
# The parameters only one estimator has; they stay declared in that estimator's class.
OWN = {MLPClassifier: {"class_weight"}, MLPRegressor: {"loss"}}
RECEIVERS = {
    MLP: (MLPClassifier, MLPRegressor),
    CATEGORICAL: (CategoricalEncoder,),
    NUMERIC: (NumericScaler,),
}


@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
def test_every_estimator_parameter_is_an_entry_with_the_estimators_default(estimator):
    signature = inspect.signature(estimator.__init__).parameters
    declared = {e.name: e for e in HYPERPARAMETERS.values() if e.step == MLP and e.direct}
    assert set(signature) - {"self"} - OWN[estimator] == set(declared)
    for name, entry in declared.items():
        assert signature[name].default == entry.default, name


def test_derived_entries_default_to_the_estimators_defaults():
    routed = route({"n_layers": HYPERPARAMETERS["n_layers"].default}, PIPELINE_STEPS)
    assert routed[MLP]["hidden_layer_sizes"] == HYPERPARAMETERS["hidden_layer_sizes"].default == (100,)
    assert HYPERPARAMETERS["max_epochs"].default == HYPERPARAMETERS["max_iter"].default


@pytest.mark.parametrize("step", [CATEGORICAL, NUMERIC])
def test_column_step_entries_default_to_the_steps_defaults(step):
    (receiver,) = RECEIVERS[step]
    signature = inspect.signature(receiver).parameters
    for entry in HYPERPARAMETERS.values():
        if entry.step == step:
            assert signature[entry.target[1]].default == entry.default, entry.name


def _probes(entry):
    """Values at and around the limits, the ``also`` values and values of the wrong type.

    Two differences on purpose, left out here and tested in ``test_a_boolean_is_not_a_number``:
    scikit-learn's ``Interval`` takes ``True`` as the integer 1, the table refuses it; the table
    takes ``8.0`` for an int (TOML and JSON may write one so) and hands the estimator ``8``.
    """
    values = [None, "auto", "nonsense", 0.5, -1, 2, 7, math.inf, -math.inf, *entry.also, *entry.options]
    if entry.kind in ("bool", "categorical"):
        values += [True, False]
    b = entry.bounds
    for end in (b.low, b.high) if b is not None else ():
        if end is not None:
            values += [end, end - 1, end + 1, end - 1e-9, end + 1e-9, float(end)]
    if entry.kind == "int":
        values = [v for v in values if not (isinstance(v, float) and v.is_integer())]
    return values


def _accepted(check, *args):
    try:
        check(*args)
    except (ValueError, TypeError):
        return False
    return True


def _estimator_accepts(step, argument, value):
    """Whether the estimators of ``step`` accept ``argument=value``: their own validation decides."""
    if step == MLP:  # scikit-learn's validation of the declared constraints
        return [
            _accepted(
                validate_parameter_constraints,
                {argument: est._parameter_constraints[argument]},
                {argument: value},
                "x",
            )
            for est in (MLPClassifier, MLPRegressor)
        ]
    if step == CATEGORICAL:  # the encoder checks in fit, a target-encoded column included
        X, y = np.array([["a"], ["b"], ["c"], ["a"]] * 2, dtype=object), np.array([0.0, 1.0, 1.0, 0.0] * 2)
        arguments = {"max_onehot": 2, argument: value}
        return [_accepted(CategoricalEncoder(cv=2, **arguments).fit, X, y)]
    return [_accepted(NumericScaler(**{argument: value}).fit, np.array([[1.0], [2.0], [4.0]]))]


@pytest.mark.parametrize(
    "entry",
    [
        e
        for e in HYPERPARAMETERS.values()
        # a renamed entry whose argument is an entry itself (max_epochs -> max_iter) is checked as that one
        if isinstance(e.argument, (str, type(None)))
        and e.target[1] not in HYPERPARAMETERS.keys() - {e.name}
        and e.kind in ("float", "int", "bool", "categorical")
    ],
    ids=lambda e: e.name,
)
def test_the_table_accepts_what_the_receiving_estimator_accepts(entry):
    """One set of limits: the space's check and the estimator's own validation agree."""
    for value in _probes(entry):
        by_table = _accepted(entry.check, value, entry.name)
        accepted = _estimator_accepts(entry.step, entry.target[1], value)
        assert accepted == [by_table] * len(RECEIVERS[entry.step]), (entry.name, value)


def test_a_boolean_is_not_a_number():
    with pytest.raises(ValueError, match="alpha must be a number, got True"):
        HYPERPARAMETERS["alpha"].check(True, "alpha")
    with pytest.raises(ValueError, match="width must be an integer, got False"):
        HYPERPARAMETERS["width"].check(False, "width")
    assert HYPERPARAMETERS["width"].check(8.0, "width") == 8 and isinstance(
        HYPERPARAMETERS["width"].check(8.0, "width"), int
    )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # 2 epochs on purpose
def test_bn_momentum_of_one_is_refused_by_the_estimator_and_the_space():
    """1 would freeze the running statistics at their start: prediction would ignore the data's scale."""
    rng = np.random.default_rng(0)
    X = rng.normal(5.0, 3.0, size=(64, 2))
    frozen = Network.mlp((2, 4, 1), batch_norm=True, bn_momentum=1.0, dtype=np.float64)
    moving = Network.mlp((2, 4, 1), batch_norm=True, bn_momentum=0.999, dtype=np.float64)
    for network in (frozen, moving):
        network.initialize(np.random.default_rng(0))
        network.forward_train(X)
    frozen_bn, moving_bn = frozen.layers_of("batch_norm")[0], moving.layers_of("batch_norm")[0]
    np.testing.assert_array_equal(frozen_bn.running_mean, np.zeros(4))
    np.testing.assert_array_equal(frozen_bn.running_var, np.ones(4))
    assert np.all(moving_bn.running_mean != 0.0)

    y = X[:, 0]
    with pytest.raises(
        InvalidParameterError, match=r"'bn_momentum' parameter .* range \[0.0, 1.0\)\. Got 1\.0"
    ):
        MLPRegressor(batch_norm=True, bn_momentum=1.0, max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match=r"space\['bn_momentum'\] must be in \[0.0, 1.0\), got 1.0"):
        SearchSpace.from_dict({"bn_momentum": 1.0})
    MLPRegressor(hidden_layer_sizes=(4,), batch_norm=True, bn_momentum=0.0, max_iter=2, random_state=0).fit(
        X, y
    )
    assert SearchSpace.from_dict({"bn_momentum": 0.0})["bn_momentum"].value == 0.0


def test_learning_rate_init_of_zero_is_refused_by_the_space_as_by_the_estimator():
    with pytest.raises(ValueError, match=r"space\['learning_rate_init'\] must be in \(0.0, inf\), got 0"):
        SearchSpace.from_dict({"learning_rate_init": 0})


def test_the_docstring_states_each_parameter_with_its_limits_and_default():
    doc = parameters_doc(MLP)
    for entry in HYPERPARAMETERS.values():
        if entry.step == MLP and entry.direct:
            assert re.search(rf"^    {entry.name} : .*, default=", doc, re.M), entry.name
        else:
            assert f"    {entry.name} : " not in doc, entry.name
    for line in (
        "    dropout : float in [0, 1), default=0.0",
        "    bn_momentum : float in [0, 1), default=0.9",
        '    batch_size : int >= 1 or "auto", default="auto"',
        "    max_norm : float > 0 or None, default=None",
        '    activation : {"relu", "tanh", "logistic", "identity"}, default="relu"',
        "    n_iter_no_change : int >= 1 or inf, default=10",
    ):
        assert line + "\n" in doc, line
    for estimator in (MLPClassifier, MLPRegressor):
        assert doc in estimator.__doc__


def test_route_sends_each_name_to_its_step_and_refuses_the_unknown():
    routed = route({"width": 8, "alpha": 0.1, "smooth": 2.0, "max_epochs": 4}, PIPELINE_STEPS)
    assert routed == {
        MLP: {"hidden_layer_sizes": (8,), "alpha": 0.1, "max_iter": 4},
        CATEGORICAL: {"smooth": 2.0},
    }
    assert route({"numeric_scaling": "standard", "clip": False, "max_onehot": 0}, PIPELINE_STEPS) == {
        NUMERIC: {"scaling": "standard", "clip": False},
        CATEGORICAL: {"max_onehot": 0},
    }
    assert route({"n_layers": 3}, PIPELINE_STEPS) == {MLP: {"hidden_layer_sizes": (100, 100, 100)}}
    assert route({"n_layers": 0, "width": 8}, PIPELINE_STEPS) == {MLP: {"hidden_layer_sizes": ()}}
    with pytest.raises(ValueError, match=r"^params has no hyperparameter 'dropuot'; known names: \["):
        route({"dropuot": 0.1}, PIPELINE_STEPS)
    with pytest.raises(ValueError, match="'smooth' goes to the step 'categorical', which this pipeline"):
        route({"smooth": 1.0}, [MLP])
    with pytest.raises(ValueError, match=r"argument 'max_iter' twice, from 'max_epochs' and from 'max_iter'"):
        route({"max_epochs": 3, "max_iter": 5}, PIPELINE_STEPS)
    with pytest.raises(
        ValueError, match=r"'hidden_layer_sizes' twice, from 'hidden_layer_sizes' and from 'width'"
    ):
        route({"hidden_layer_sizes": (3,), "width": 5}, PIPELINE_STEPS)


def test_a_per_row_strength_reaches_the_network_times_the_rows_it_is_fitted_on():
    routed = route({"alpha_per_row": 0.5, "l1_per_row": 0.25, "width": 8}, PIPELINE_STEPS, n_rows=600)
    assert routed == {MLP: {"alpha": 300.0, "l1": 150.0, "hidden_layer_sizes": (8,)}}
    with pytest.raises(ValueError, match=r"'l1_per_row' is a strength per training row: .* pass n_rows="):
        route({"l1_per_row": 0.1}, PIPELINE_STEPS)
    with pytest.raises(ValueError, match=r"n_rows must be a positive integer, got 0"):
        route({"l1_per_row": 0.1}, PIPELINE_STEPS, n_rows=0)
    with pytest.raises(ValueError, match=r"argument 'alpha' twice, from 'alpha' and from 'alpha_per_row'"):
        route({"alpha": 1.0, "alpha_per_row": 0.1}, PIPELINE_STEPS, n_rows=10)
    assert route({"alpha": 1.0}, PIPELINE_STEPS) == {MLP: {"alpha": 1.0}}, "lambda itself needs no rows"
    mlp = build_pipeline(
        {"alpha_per_row": 1e-3, "l1_per_row": 2e-3},
        task="regression",
        categorical=[],
        numeric=["x"],
        n_rows=20_000,
    ).named_steps["mlp"]
    assert (mlp.alpha, mlp.l1) == (20.0, 40.0)


def test_a_decay_per_step_reaches_the_network_divided_by_the_learning_rate():
    routed = route({"decay_per_step": 0.05, "learning_rate_init": 0.01, "width": 8}, PIPELINE_STEPS)
    assert routed == {MLP: {"weight_decay": 5.0, "learning_rate_init": 0.01, "hidden_layer_sizes": (8,)}}
    # without a learning rate, the network's own default (0.001) is the one it trains with
    assert route({"decay_per_step": 0.05}, PIPELINE_STEPS)[MLP]["weight_decay"] == pytest.approx(50.0)
    assert route({"decay_per_step": 0.0, "learning_rate_init": 0.0}, PIPELINE_STEPS)[MLP]["weight_decay"] == 0
    with pytest.raises(
        ValueError,
        match=r"'decay_per_step' reaches its step divided by learning_rate_init, which must be a positive "
        r"number, got 0\.0",
    ):
        route({"decay_per_step": 0.1, "learning_rate_init": 0.0}, PIPELINE_STEPS)
    with pytest.raises(
        ValueError, match=r"argument 'weight_decay' twice, from 'weight_decay' and from 'decay_per_step'"
    ):
        route({"weight_decay": 1.0, "decay_per_step": 0.1}, PIPELINE_STEPS)
    # the pipeline: one step removes decay_per_step of the weights, whatever the learning rate
    for lr in (1e-4, 0.1):
        mlp = build_pipeline(
            {"decay_per_step": 0.3, "learning_rate_init": lr}, task="binary", categorical=[], numeric=["x"]
        ).named_steps["mlp"]
        assert mlp.learning_rate_init * mlp.weight_decay == pytest.approx(0.3)
    assert "decay_per_step" not in pipeline_configuration({"weight_decay": 0.5}, task="binary")
    pipe = build_pipeline({"weight_decay": 0.5}, task="binary", categorical=[], numeric=["x"])
    assert pipe.named_steps["mlp"].weight_decay == 0.5, "the lecture's weight_decay, given itself"
    assert (
        build_pipeline({}, task="binary", categorical=[], numeric=["x"]).named_steps["mlp"].weight_decay == 0
    )


def test_a_divisor_must_be_an_argument_of_the_same_step():
    entry = Hyperparameter(
        "x_per_step", "float", 0.0, bounds=Bounds(0, 1), argument=DividedBy("weight_decay", "smooth")
    )
    with pytest.raises(ValueError, match=r"'x_per_step': DividedBy names 'smooth', which is not an argument"):
        _index([*HYPERPARAMETERS.values(), entry])


def test_every_entry_goes_to_a_step_the_pipeline_builds():
    assert {e.step for e in HYPERPARAMETERS.values()} <= set(PIPELINE_STEPS)
    # every name at once (hidden_layer_sizes and max_iter come from n_layers, width and max_epochs;
    # alpha, l1 and weight_decay are given themselves, not per row or per step)
    skipped = (
        "random_state",
        "hidden_layer_sizes",
        "max_iter",
        "alpha_per_row",
        "l1_per_row",
        "decay_per_step",
    )
    everything = {e.name: e.default for e in HYPERPARAMETERS.values() if e.name not in skipped}
    pipe = build_pipeline(everything, task="binary", categorical=["c"], numeric=["x"], seed=4)
    built = pipe.named_steps["mlp"].get_params()
    for entry in HYPERPARAMETERS.values():
        if entry.step == MLP and entry.direct and entry.name != "random_state":
            assert built[entry.name] == entry.default, entry.name
    assert built["random_state"] == 4
    (_, encoder, _), (_, scaler, _) = pipe.named_steps["preprocess"].transformers
    assert (encoder.smooth, encoder.max_onehot) == ("auto", 8)
    assert (scaler.scaling, scaler.clip) == ("robust", True)
    with pytest.raises(ValueError, match="must not hold random_state: build_pipeline seeds every step"):
        build_pipeline({"random_state": 1}, task="binary", categorical=[], numeric=["x"])


def test_the_reports_regularization_group_is_the_tables():
    # the group the report had before the table: restated here as the oracle
    assert regularization_names() == REGULARIZATION_PARAMS
    assert REGULARIZATION_PARAMS == (
        "alpha",
        "l1",
        "weight_decay",
        "decay_per_step",
        "dropout",
        "batch_norm",
        "smooth",
        "alpha_per_row",
        "l1_per_row",
    )


def test_the_search_space_is_the_tables_searched_entries_in_order():
    assert list(SearchSpace.default()) == [e.name for e in searched()]
    for entry in searched():
        param = SearchSpace.default()[entry.name]
        assert (param.kind, param.low, param.high, param.log) == (
            entry.kind,
            entry.search.low,
            entry.search.high,
            entry.search.log,
        )


def test_docs_tuning_table_lists_the_searched_ranges():
    text = (DOCS / "tuning.md").read_text(encoding="utf-8")
    section = text.split("## The default search space", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(\w+)`[^|]*\| ([^|]+) \|", section, re.M)
    assert rows == [(e.name, e.search.text()) for e in searched()]


@pytest.mark.parametrize(
    ("declare", "message"),
    [
        (lambda: Hyperparameter("x", "decimal", 0.0), "kind must be one of"),
        (lambda: Hyperparameter("x", "float", 0.0), "bounds are required"),
        (lambda: Hyperparameter("x", "float", -1.0, bounds=Bounds(0, 1)), r"default must be in \[0.0, 1.0\]"),
        (lambda: Hyperparameter("x", "categorical", "a"), "options are required"),
        (
            lambda: Hyperparameter("x", "float", 0.5, bounds=Bounds(0, 1, "left"), search=Search(0.0, 1.0)),
            r"search value must be in \[0.0, 1.0\), got 1.0",
        ),
        (lambda: Bounds(0, 1, "open"), "closed must be one of"),
        (
            lambda: Hyperparameter("x", "int", 1, bounds=Bounds(1, 9), search=Search(value=5)),
            "the search space fixes 5, so its pipeline default must be that value, got 1",
        ),
        (
            lambda: Hyperparameter("x", "int", 1, bounds=Bounds(1, 9), search=Search(choices=(2, 3))),
            r"the pipeline default 1 must be one of the search choices \[2, 3\]",
        ),
        (
            lambda: Hyperparameter("x", "bool", True, pipeline_default="yes"),
            "pipeline_default must be true or false, got 'yes'",
        ),
        (  # each value of a default by task is checked
            lambda: Hyperparameter(
                "x", "int", 2, bounds=Bounds(1, 9), pipeline_default=ByTask(regression=3, classification=0)
            ),
            r"pipeline_default must be in \[1, 9\], got 0",
        ),
        (
            lambda: Hyperparameter(
                "x",
                "int",
                2,
                bounds=Bounds(1, 9),
                search=Search(choices=(2, 3)),
                pipeline_default=ByTask(regression=3, classification=4),
            ),
            r"the pipeline default 4 must be one of the search choices \[2, 3\]",
        ),
    ],
)
def test_a_wrong_declaration_fails_at_once(declare, message):
    with pytest.raises(ValueError, match=message):
        declare()


def test_a_default_outside_the_choices_is_declared_on_purpose():
    entry = Hyperparameter(
        "x",
        "int",
        1,
        bounds=Bounds(1, 9),
        search=Search(choices=(1,), default_outside=True),
        pipeline_default=3,
    )
    assert entry.pipeline_value("regression") == 3 and entry.search.text() == "1"


def test_a_fixed_auto_smooth_is_a_value_of_the_space():
    space = SearchSpace.from_dict({"smooth": "auto"})
    assert space["smooth"].value == "auto"
    assert SearchSpace.from_dict(space.to_dict()) == space
    with pytest.raises(ValueError, match=r"space\['smooth'\] range ends must be numbers, got 'auto'"):
        SearchSpace.from_dict({"smooth": {"low": "auto", "high": 10}})


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_the_default_configuration_is_the_tables_pipeline_defaults(task):
    """Searched entries and entries with a pipeline default, each with its pipeline value, in order."""
    config = default_configuration(task)
    recipe = {**PIPELINE_RECIPE, **BY_TASK["regression" if task == "regression" else "classification"]}
    expected = {
        e.name: recipe.get(e.name, e.default)
        for e in HYPERPARAMETERS.values()
        if e.search is not None or e.name in recipe
    }
    assert list(config.items()) == list(expected.items())
    for entry in searched():  # a value the space fixes is the pipeline's default
        if entry.search.value is not None:
            assert config[entry.name] == entry.search.value, entry.name
    config["width"] = 1
    assert default_configuration(task)["width"] != 1, "a new dict on each call"


def test_a_configuration_needs_a_task():
    tasks = r"\['binary', 'multiclass', 'regression'\]"
    with pytest.raises(ValueError, match=rf"task must be one of {tasks}, got 'ordinal'"):
        default_configuration("ordinal")
    with pytest.raises(ValueError, match="task must be one of"):
        pipeline_configuration({"width": 8}, task="classification")  # a group, not a task


# regtune's recipe where it differs from the estimators' defaults (restated here as the oracle).
PIPELINE_RECIPE = {
    "learning_rate": "constant",
    "n_layers": 3,
    "width": 160,
    "n_members": 3,
    "max_epochs": 50,
    "early_stopping": True,
    "standardize_target": True,
    "max_onehot": 64,
}
# ... and where it differs by task (docs/benchmarks.md, "A default by task").
BY_TASK = {
    "regression": {"numeric_embedding": "ple", "learning_rate_init": 0.003},
    "classification": {"numeric_embedding": "none", "learning_rate_init": 0.001},
}


def test_build_pipeline_fills_the_names_a_configuration_does_not_give():
    pipe = build_pipeline({"width": 8}, task="regression", categorical=["c"], numeric=["x"])
    mlp = pipe.named_steps["mlp"]
    assert (mlp.hidden_layer_sizes, mlp.early_stopping, mlp.max_iter) == ((8, 8, 8), True, 50)
    # an argument given by its own name takes no default through another name
    pipe = build_pipeline(
        {"hidden_layer_sizes": (5,), "max_iter": 7}, task="regression", categorical=[], numeric=["x"]
    )
    assert (pipe.named_steps["mlp"].hidden_layer_sizes, pipe.named_steps["mlp"].max_iter) == ((5,), 7)
    assert "n_layers" not in pipeline_configuration({"hidden_layer_sizes": (5,)}, task="regression")
    assert pipeline_configuration({"n_layers": 1}, task="regression")["width"] == 160
    assert pipeline_configuration({"early_stopping": False}, task="binary")["early_stopping"] is False
    # the per-row penalties default to 0, which needs no number of rows; alpha given: no alpha_per_row
    assert build_pipeline({}, task="binary", categorical=[], numeric=["x"]).named_steps["mlp"].alpha == 0.0
    assert "alpha_per_row" not in pipeline_configuration({"alpha": 0.5}, task="binary")
    pipe = build_pipeline({"alpha": 0.5}, task="binary", categorical=[], numeric=["x"])
    assert (pipe.named_steps["mlp"].alpha, pipe.named_steps["mlp"].l1) == (0.5, 0.0)
    with pytest.raises(ValueError, match="pass n_rows="):
        build_pipeline({"alpha_per_row": 0.1}, task="binary", categorical=[], numeric=["x"])
