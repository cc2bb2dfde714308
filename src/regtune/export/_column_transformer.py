"""The parser of a ``ColumnTransformer`` whose inputs are the raw named columns of the graph.

Each entry's columns are taken by name from the graph inputs (one per raw column). Numeric
columns are concatenated into one matrix for the entry's transformer, as skl2onnx does; the columns
of a categorical encoder stay separate inputs, since they may be strings and numbers side by side.
The entries' outputs are concatenated in order, as ``ColumnTransformer.transform`` stacks them.
"""

from sklearn.pipeline import Pipeline

from ._inputs import categorical_reader, selected_columns
from ._skl2onnx import parse_step

__all__ = ["parse_column_transformer"]


def parse_column_transformer(scope, transformer, inputs, custom_parsers=None, *, float_type):
    if transformer.transformer_weights is not None:
        raise ValueError("ColumnTransformer with transformer_weights cannot be exported to ONNX")
    by_name = {variable.raw_name: variable for variable in inputs}
    outputs = []
    for _, step, spec in transformer.transformers_:
        names = selected_columns(transformer, spec)
        if (isinstance(step, str) and step == "drop") or not names:
            continue
        missing = [name for name in names if name not in by_name]
        if missing:
            raise ValueError(
                f"a ColumnTransformer can be exported only where it reads the raw columns; "
                f"columns {missing} are not graph inputs"
            )
        variables = [by_name[name] for name in names]
        if isinstance(step, str):  # "passthrough"
            outputs.append(_concat(scope, variables, float_type))
            continue
        first = step.steps[0][1] if isinstance(step, Pipeline) else step
        if len(variables) > 1 and categorical_reader(first) is None:
            variables = [_concat(scope, variables, float_type)]
        outputs.extend(parse_step(scope, step, variables, custom_parsers)[:1])
    if len(outputs) == 1:
        return outputs
    return [_concat(scope, outputs, float_type)]


def _concat(scope, variables, float_type):
    """One matrix variable: ``variables`` side by side (a single one is returned as is)."""
    if len(variables) == 1:
        return variables[0]
    operator = scope.declare_local_operator("SklearnConcat")
    operator.inputs = list(variables)
    output = scope.declare_local_variable("concatenated", float_type([None, None]))
    operator.outputs.append(output)
    return output
