"""regtune's ``TargetEncoder`` as ONNX: a lookup of each column's category code, then a gather.

Per column ``j`` with ``L`` fitted categories, the graph reproduces ``TargetEncoder.transform``::

    code = position of x in categories_[j]       (0 .. L-1; LabelEncoder, exact match)
         = L        if x is missing and missing values are a category of their own
                    (has_missing_[j], or handle_missing="prior")
         = L + 1    if x is unseen, or missing with no missing value in fit
    out  = table_j[code],  table_j = [encodings_[j] (L + 1 rows, the last for missing); fill]

With one output column per feature (binary and continuous targets) the LabelEncoder maps each
category straight to its encoding; with ``q`` classes it maps to the code and a Gather reads the
row of ``q`` encodings.
where ``fill`` is ``target_mean_`` (handle_unknown="prior") or NaN ("nan"; also "error", since a
graph cannot raise). A string input's missing value is its marker (see ``_inputs.py``), a number
input's is NaN. The table is rounded to the encoder's ``dtype`` first, as ``transform`` does.
Shape: ``n_features_in_`` inputs ``(N, 1)`` in, ``(N, n_features_in_ * q)`` out.
"""

import numpy as np

from ..encoding import TargetEncoder
from ._inputs import categorical_column
from ._nodes import ML_DOMAIN, constant, node, numpy_dtype, proto_type
from ._registry import Converter, register

ALIAS = "RegtuneTargetEncoder"
FLAT = np.array([-1], dtype=np.int64)


def raw_columns(encoder):
    return [categorical_column(categories) for categories in encoder.categories_]


def parse(scope, encoder, inputs, custom_parsers=None, *, float_type):
    operator = scope.declare_local_operator(ALIAS, encoder)
    operator.inputs = list(inputs)
    width = len(encoder.get_feature_names_out())
    operator.outputs.append(scope.declare_local_variable("target_encoded", float_type([None, width])))
    return operator.outputs


def convert(scope, operator, container):
    encoder = operator.raw_operator
    dtype = numpy_dtype(operator.outputs[0])
    columns = _input_columns(scope, operator, container, encoder.n_features_in_)
    fill = np.nan if encoder.handle_unknown != "prior" else np.atleast_1d(encoder.target_mean_)
    encoded = []
    for j, x in enumerate(columns):
        categories = encoder.categories_[j]
        n_levels = len(categories)
        missing_is_category = encoder.handle_missing == "prior" or bool(encoder.has_missing_[j])
        missing_code = n_levels if missing_is_category else n_levels + 1
        q = encoder.encodings_[j].shape[1]
        table = np.vstack([encoder.encodings_[j], np.broadcast_to(fill, (1, q))])
        table = table.astype(encoder.dtype).astype(dtype)
        if q == 1:  # one output column: the lookup yields the encoding itself
            encoded.append(
                _lookup(scope, container, x, categories, table[:, 0], missing_code, default=n_levels + 1)
            )
            continue
        code = _lookup(
            scope, container, x, categories, np.arange(len(table)), missing_code, default=n_levels + 1
        )
        flat = node(scope, container, "Reshape", [code, constant(scope, container, "shape", FLAT)], "code")
        table = constant(scope, container, "table", table)
        encoded.append(node(scope, container, "Gather", [table, flat], "encoded", axis=0))
    if len(encoded) == 1:
        node(scope, container, "Identity", encoded, "te", output=operator.outputs[0].full_name)
    else:
        node(scope, container, "Concat", encoded, "te", output=operator.outputs[0].full_name, axis=1)


def _input_columns(scope, operator, container, n_columns):
    """One ``(N, 1)`` tensor name per column: the inputs themselves, or slices of one matrix."""
    if len(operator.inputs) == n_columns:
        return [variable.full_name for variable in operator.inputs]
    if len(operator.inputs) != 1:
        raise ValueError(
            f"TargetEncoder expects {n_columns} column inputs or one matrix, got {len(operator.inputs)}"
        )
    matrix = operator.inputs[0].full_name
    columns = []
    for j in range(n_columns):
        index = constant(scope, container, "column", np.array([j]))
        columns.append(node(scope, container, "Gather", [matrix, index], "x", axis=1))
    return columns


def _lookup(scope, container, x, categories, values, missing_code, default):
    """``values[code]`` for column ``x`` (see the module docstring), shape ``(N, 1)``: the codes
    themselves when ``values`` is ``arange``, the encodings when it is the table's one column."""
    n_levels = len(categories)
    raw = categorical_column(categories)
    if raw.kind == "string":
        keys = np.array([str(c) for c in categories] + [raw.missing], dtype=object)
        return _label_encoder(
            scope, container, x, keys, values[[*range(n_levels), missing_code]], values[default]
        )
    wide = values.astype(np.float64) if values.dtype == np.float32 else values  # ORT: no double -> float
    is_missing = node(scope, container, "IsNaN", [x], "missing")
    keys = categories.astype(np.float64)
    found = _label_encoder(scope, container, x, keys, wide[:n_levels], wide[default])
    missing = constant(scope, container, "missing_value", wide[missing_code : missing_code + 1])
    looked_up = node(scope, container, "Where", [is_missing, missing, found], "lookup")
    if wide is values:
        return looked_up
    return node(scope, container, "Cast", [looked_up], "lookup", to=proto_type(values.dtype))


def _label_encoder(scope, container, x, keys, values, default):
    from onnx import numpy_helper

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


register(TargetEncoder, Converter(ALIAS, parse, convert, raw_columns))
