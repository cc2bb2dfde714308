"""scikit-learn's ``SimpleImputer`` on numeric columns as ONNX, missing-value indicators included.

skl2onnx's own converter has no ``add_indicator`` and rounds the statistics to float32, so numeric
imputers are converted here (string imputers still go to skl2onnx). As ``transform`` computes::

    missing = isnan(x)                      (or x == missing_values)
    kept    = columns whose statistic is not NaN (all with keep_empty_features)
    out     = [where(missing, statistics_, x)[:, kept],  missing[:, indicator_.features_]]

Shape: ``(N, n_features_in_)`` in (one matrix or one input per column),
``(N, n_kept + n_indicators)`` out.
"""

import numpy as np
from skl2onnx.common.data_types import StringTensorType
from sklearn.impute import SimpleImputer

from ._nodes import concat_inputs, constant, node, numpy_dtype, proto_type
from ._registry import Converter, register
from ._skl2onnx import parse_step

ALIAS = "RegtuneSimpleImputer"


def _kept(imputer):
    statistics = np.asarray(imputer.statistics_, dtype=np.float64)
    if imputer.keep_empty_features:
        return np.arange(len(statistics))
    return np.flatnonzero(~np.isnan(statistics))


def _indicated(imputer):
    return imputer.indicator_.features_ if imputer.add_indicator else np.empty(0, dtype=np.int64)


def parse(scope, imputer, inputs, custom_parsers=None, *, float_type):
    if any(isinstance(v.type, StringTensorType) for v in inputs):
        return parse_step(scope, imputer, inputs, None)  # skl2onnx's converter for strings
    operator = scope.declare_local_operator(ALIAS, imputer)
    operator.inputs = list(inputs)
    width = len(_kept(imputer)) + len(_indicated(imputer))
    operator.outputs.append(scope.declare_local_variable("imputed", inputs[0].type.__class__([None, width])))
    return operator.outputs


def convert(scope, operator, container):
    imputer = operator.raw_operator
    dtype = numpy_dtype(operator.outputs[0])
    x = concat_inputs(scope, container, operator)
    if isinstance(imputer.missing_values, float) and np.isnan(imputer.missing_values):
        missing = node(scope, container, "IsNaN", [x], "missing")
    else:
        value = constant(scope, container, "missing_value", np.array(imputer.missing_values, dtype=dtype))
        missing = node(scope, container, "Equal", [x, value], "missing")
    kept, indicated = _kept(imputer), _indicated(imputer)
    statistics = np.asarray(imputer.statistics_, dtype=np.float64).astype(dtype)
    statistics = constant(scope, container, "statistics", statistics)
    filled = node(scope, container, "Where", [missing, statistics, x], "filled")
    if len(kept) < len(imputer.statistics_):
        filled = _columns(scope, container, filled, kept)
    parts = [filled]
    if len(indicated):
        flags = _columns(scope, container, missing, indicated)
        parts.append(node(scope, container, "Cast", [flags], "indicator", to=proto_type(dtype)))
    if len(parts) == 1:
        node(scope, container, "Identity", parts, "imputed", output=operator.outputs[0].full_name)
    else:
        node(scope, container, "Concat", parts, "imputed", output=operator.outputs[0].full_name, axis=1)


def _columns(scope, container, matrix, indices):
    index = constant(scope, container, "columns", np.asarray(indices, dtype=np.int64))
    return node(scope, container, "Gather", [matrix, index], "columns", axis=1)


register(SimpleImputer, Converter(ALIAS, parse, convert))
