"""How the raw named columns reach the steps: the parsers of ``Pipeline`` and ``ColumnTransformer``.

The graph has one input per raw column. A ``ColumnTransformer`` entry takes its columns by name. A
step that reads raw categories gets them as separate inputs (strings and numbers may sit side by
side); any other step gets one matrix, the columns joined with ``Concat``. (skl2onnx would join
them with ``FeatureVectorizer``, whose output is float32 even for double inputs.) The entries'
outputs are joined in order, as ``ColumnTransformer.transform`` stacks them. A Pipeline's steps
are its ``computing_steps`` (an identity ``FunctionTransformer`` is skipped).
"""

from sklearn.compose import ColumnTransformer
from sklearn.pipeline import FeatureUnion, Pipeline

from ._inputs import categorical_reader, computing_steps, selected_columns
from ._registry import converter_for
from ._skl2onnx import parse_step

__all__ = ["parse_column_transformer", "parse_on_columns", "parse_pipeline"]


def parse_pipeline(scope, pipeline, inputs, custom_parsers=None, *, float_type):
    steps = computing_steps(pipeline)
    if not steps:
        raise ValueError("a Pipeline whose steps are all passthrough cannot be exported to ONNX")
    inputs = parse_on_columns(scope, steps[0], inputs, custom_parsers, float_type)
    for step in steps[1:]:
        inputs = parse_step(scope, step, inputs, custom_parsers)
    return inputs


def parse_on_columns(scope, step, inputs, custom_parsers, float_type):
    """``step``'s outputs on the column inputs: the columns as they are for a step that reads raw
    columns (or holds steps that do), else joined into one matrix."""
    if len(inputs) > 1 and not _reads_raw_columns(step):
        inputs = [_concat(scope, inputs, float_type)]
    return parse_step(scope, step, inputs, custom_parsers)


def _reads_raw_columns(step):
    if isinstance(step, Pipeline):
        steps = computing_steps(step)
        return bool(steps) and _reads_raw_columns(steps[0])
    converter = converter_for(step)
    return (
        isinstance(step, (ColumnTransformer, FeatureUnion))
        or categorical_reader(step) is not None
        or (converter is not None and converter.children is not None)
    )


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
        if len(variables) > 1 and not _reads_raw_columns(step):
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
