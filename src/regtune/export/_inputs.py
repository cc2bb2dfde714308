"""The graph's inputs: one per raw column, its type decided by the step that reads it.

A column read by a categorical encoder (a step whose converter has ``raw_columns``, or
scikit-learn's ``OneHotEncoder``/``OrdinalEncoder``) is a string input when the encoder learned
string categories, else a double input (numbers compare exactly, NaN is missing). Every other
column is numeric: an input of the graph's float type, NaN for a missing value.

A string input cannot hold NaN, so a missing category is the empty string ``""``, unless ``""``
was itself a category in training; then it is ``"<missing>"`` (with as many trailing ``_`` as
needed to differ from every category). When several steps read a column (the members of a
``FoldEnsemble``, each fitted on other rows), the marker differs from the categories of all of
them, and every encoder uses that one. The marker of each column is stored in the graph's
metadata (``regtune.missing_markers``).

The members of a step that holds others (a converter's ``children``) read the raw columns as the
step does; a ``FunctionTransformer`` without ``func`` (what ``tune`` puts in front of a model
fitted on a NumPy array, to name its columns ``x0, x1, ...``) passes them through unchanged.
"""

from dataclasses import dataclass, field

import numpy as np

from ._registry import converter_for

__all__ = [
    "RawColumn",
    "categorical_reader",
    "column_names",
    "computing_steps",
    "missing_marker",
    "raw_columns",
    "selected_columns",
]


@dataclass(frozen=True)
class RawColumn:
    """How a raw column enters the graph: ``kind`` "string", "number" (double) or "float" (the
    graph's float type, numeric columns); ``missing`` is the string that stands for a missing
    value in a string input (None otherwise); ``categories``: the strings a reader learned."""

    kind: str
    missing: str | None = None
    categories: frozenset = field(default=frozenset(), compare=False, repr=False)


NUMERIC = RawColumn("float")


def missing_marker(categories):
    """``""``, or ``"<missing>"`` plus underscores when ``""`` is one of ``categories``."""
    taken = {str(c) for c in categories}
    marker = ""
    if marker in taken:
        marker = "<missing>"
        while marker in taken:
            marker += "_"
    return marker


def categorical_column(categories):
    """The raw column of an encoder that learned ``categories`` (a NumPy array)."""
    categories = np.asarray(categories)
    if categories.dtype.kind in "iufb" and len(categories):
        return RawColumn("number")
    return RawColumn("string", missing_marker(categories), frozenset(str(c) for c in categories))


def column_names(step):
    """The raw column names ``step`` was fitted on: ``feature_names_in_`` or ``x0, x1, ...``."""
    names = getattr(step, "feature_names_in_", None)
    if names is not None:
        return [str(name) for name in names]
    return [f"x{j}" for j in range(step.n_features_in_)]


def selected_columns(transformer, spec):
    """The names of the columns a fitted ``ColumnTransformer`` entry ``spec`` selects."""
    names = column_names(transformer)
    if isinstance(spec, str):
        return [spec]
    if isinstance(spec, (int, np.integer)):
        return [names[spec]]
    if isinstance(spec, slice):
        if all(isinstance(b, (int, type(None))) for b in (spec.start, spec.stop, spec.step)):
            return names[spec]
        raise ValueError(f"ColumnTransformer columns must be names or positions, got the slice {spec!r}")
    values = list(spec)
    if values and all(isinstance(v, (bool, np.bool_)) for v in values):
        return [name for name, keep in zip(names, values) if keep]
    if all(isinstance(v, str) for v in values):
        return values
    if all(isinstance(v, (int, np.integer)) for v in values):
        return [names[v] for v in values]
    raise ValueError(f"ColumnTransformer columns must be names, positions or a mask, got {spec!r}")


def raw_columns(model):
    """``[(name, RawColumn), ...]`` for every column ``model`` was fitted on, in order."""
    names = column_names(model)
    found = {}
    _visit(model, names, found)
    return [(name, _merged(name, found[name]) if name in found else NUMERIC) for name in names]


def _merged(name, readers):
    """One ``RawColumn`` for the steps that read column ``name``: they must agree on its kind; a
    string column's marker differs from every category any of them learned."""
    kinds = sorted({raw.kind for raw in readers})
    if len(kinds) > 1:
        raise ValueError(
            f"column {name!r} is read by two categorical steps that learned different kinds "
            f"of values ({kinds[0]} and {kinds[1]}); it cannot be one ONNX input"
        )
    if kinds[0] != "string":
        return readers[0]
    categories = frozenset().union(*(raw.categories for raw in readers))
    return RawColumn("string", missing_marker(categories), categories)


def computing_steps(pipeline):
    """The steps of a ``Pipeline`` that the graph computes: not None or "passthrough", and not a
    ``FunctionTransformer`` without ``func`` (the identity; it names an array's columns)."""
    from sklearn.preprocessing import FunctionTransformer

    def identity(step):
        return (
            isinstance(step, FunctionTransformer)
            and step.func is None
            and not callable(step.feature_names_out)
        )

    return [step for _, step in pipeline.steps if step not in (None, "passthrough") and not identity(step)]


def _visit(step, columns, found):
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import FeatureUnion, Pipeline

    converter = converter_for(step)
    if isinstance(step, Pipeline):
        steps = computing_steps(step)
        if steps:
            _visit(steps[0], columns, found)
    elif isinstance(step, ColumnTransformer):
        for _, transformer, spec in step.transformers_:
            if not isinstance(transformer, str):
                _visit(transformer, selected_columns(step, spec), found)
    elif isinstance(step, FeatureUnion):
        for _, transformer in step.transformer_list:
            if not isinstance(transformer, str):
                _visit(transformer, columns, found)
    elif converter is not None and converter.children is not None:
        for _, child in converter.children(step):
            _visit(child, columns, found)
    else:
        for name, raw in zip(columns, categorical_reader(step) or []):
            found.setdefault(name, []).append(raw)


def categorical_reader(step):
    """One ``RawColumn`` per input column of a step that reads raw categories, else None."""
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder

    converter = converter_for(step)
    if converter is not None and converter.raw_columns is not None:
        return converter.raw_columns(step)
    if isinstance(step, (OneHotEncoder, OrdinalEncoder)):
        return [categorical_column(c) for c in step.categories_]
    return None
