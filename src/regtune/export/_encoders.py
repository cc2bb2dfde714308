"""regtune's categorical encoders as ONNX: per column, a lookup of the category, then its table row.

``TargetEncoder`` and ``preprocessing.CategoricalEncoder`` are both lookup tables per column
(``_tables.py``). Per column, with ``L`` fitted categories::

    row = LabelEncoder(x)      category -> its position (exact match on strings or doubles);
                               the missing marker (strings) -> missing row; else -> unseen row
        = missing row          where IsNaN(x) (double inputs)
    out = table[row]           Gather; with a one-column table the LabelEncoder maps straight
                               to the value (one node per column)

and the columns' outputs are concatenated in input order. A string input's missing value is its
column's marker (``""``, see ``_inputs.py``; the parser is given the graph's markers, which may
differ from the one the encoder's own categories imply when other steps read the column too).
Unseen categories of a ``TargetEncoder`` with ``handle_unknown="error"`` encode as NaN (a graph
cannot raise). Shape: ``n_features_in_`` inputs ``(N, 1)`` in, ``(N, n_features_out)`` out.
"""

import numpy as np
from onnx import numpy_helper

from ..encoding import TargetEncoder
from ..preprocessing import CategoricalEncoder
from ._inputs import categorical_column
from ._nodes import ML_DOMAIN, constant, node, numpy_dtype, proto_type
from ._registry import Converter, register
from ._tables import categorical_encoder_tables, target_encoder_tables

FLAT = np.array([-1], dtype=np.int64)


def raw_columns(encoder):
    return [categorical_column(categories) for categories in encoder.categories_]


def parser(alias):
    def parse(scope, encoder, inputs, custom_parsers=None, *, float_type, markers):
        operator = scope.declare_local_operator(alias, encoder)
        operator.inputs = list(inputs)
        operator.missing_markers = [markers.get(variable.raw_name) for variable in inputs]
        width = len(encoder.get_feature_names_out())
        operator.outputs.append(scope.declare_local_variable("encoded", float_type([None, width])))
        return operator.outputs

    return parse


def converter(tables_of):
    def convert(scope, operator, container):
        encoder = operator.raw_operator
        dtype = numpy_dtype(operator.outputs[0])
        columns = _input_columns(scope, operator, container, encoder.n_features_in_)
        markers = operator.missing_markers
        if len(markers) != len(columns):  # one matrix input: no string columns
            markers = [None] * len(columns)
        encoded = [
            _encode(scope, container, x, t, dtype, marker)
            for x, t, marker in zip(columns, tables_of(encoder), markers)
        ]
        output = operator.outputs[0].full_name
        if len(encoded) == 1:
            node(scope, container, "Identity", encoded, "encoded", output=output)
        else:
            node(scope, container, "Concat", encoded, "encoded", output=output, axis=1)

    return convert


def _encode(scope, container, x, column, dtype, marker):
    """``column.table[row(x)]``, shape ``(N, q)``, in ``dtype``; ``marker``: the input's string
    for a missing value (None: the one the column's categories imply)."""
    table = column.table.astype(dtype)
    if table.shape[1] == 1:  # the lookup yields the value itself
        return _lookup(scope, container, x, column, table[:, 0], marker)
    row = _lookup(scope, container, x, column, np.arange(len(table), dtype=np.int64), marker)
    flat = node(scope, container, "Reshape", [row, constant(scope, container, "shape", FLAT)], "row")
    return node(
        scope, container, "Gather", [constant(scope, container, "table", table), flat], "encoded", axis=0
    )


def _lookup(scope, container, x, column, values, marker):
    """``values[row(x)]``, shape ``(N, 1)``."""
    n = len(column.categories)
    raw = categorical_column(column.categories)
    if raw.kind == "string":
        marker = raw.missing if marker is None else marker
        keys = np.array([str(c) for c in column.categories] + [marker], dtype=object)
        return _label_encoder(
            scope, container, x, keys, values[[*range(n), column.missing]], values[column.unknown]
        )
    wide = values.astype(np.float64) if values.dtype == np.float32 else values  # ORT: no double -> float
    keys = column.categories.astype(np.float64)
    found = _label_encoder(scope, container, x, keys, wide[:n], wide[column.unknown])
    is_missing = node(scope, container, "IsNaN", [x], "missing")
    missing = constant(scope, container, "missing_value", wide[column.missing : column.missing + 1])
    looked_up = node(scope, container, "Where", [is_missing, missing, found], "lookup")
    if wide is values:
        return looked_up
    return node(scope, container, "Cast", [looked_up], "lookup", to=proto_type(values.dtype))


def _label_encoder(scope, container, x, keys, values, default):
    values = np.asarray(values)
    return node(
        scope,
        container,
        "LabelEncoder",
        [x],
        "lookup",
        domain=ML_DOMAIN,  # keys_tensor needs ai.onnx.ml opset 4, declared after conversion
        keys_tensor=numpy_helper.from_array(np.asarray(keys), "keys"),
        values_tensor=numpy_helper.from_array(values, "values"),
        default_tensor=numpy_helper.from_array(np.array([default], dtype=values.dtype), "default"),
    )


def _input_columns(scope, operator, container, n_columns):
    """One ``(N, 1)`` tensor name per column: the inputs themselves, or slices of one matrix."""
    if len(operator.inputs) == n_columns:
        return [variable.full_name for variable in operator.inputs]
    if len(operator.inputs) != 1:
        raise ValueError(f"an encoder of {n_columns} columns got {len(operator.inputs)} inputs")
    matrix = operator.inputs[0].full_name
    columns = []
    for j in range(n_columns):
        index = constant(scope, container, "column", np.array([j]))
        columns.append(node(scope, container, "Gather", [matrix, index], "x", axis=1))
    return columns


register(
    TargetEncoder,
    Converter(
        "RegtuneTargetEncoder", parser("RegtuneTargetEncoder"), converter(target_encoder_tables), raw_columns
    ),
)
register(
    CategoricalEncoder,
    Converter(
        "RegtuneCategoricalEncoder",
        parser("RegtuneCategoricalEncoder"),
        converter(categorical_encoder_tables),
        raw_columns,
    ),
)
