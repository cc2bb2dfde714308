"""How the raw named columns reach the steps: the parsers of ``Pipeline`` and ``ColumnTransformer``.

The graph has one input per raw column. A ``ColumnTransformer`` entry takes its columns by name. A
step that reads raw categories gets them as separate inputs (strings and numbers may sit side by
side); any other step gets one matrix, the columns joined with ``Concat``. (skl2onnx would join
them with ``FeatureVectorizer``, whose output is float32 even for double inputs.) The entries'
outputs are joined in order, as ``ColumnTransformer.transform`` stacks them.
"""

from sklearn.compose import ColumnTransformer
from sklearn.pipeline import FeatureUnion, Pipeline

from ._inputs import categorical_reader, selected_columns
from ._skl2onnx import parse_step

__all__ = ["parse_column_transformer", "parse_pipeline"]


def parse_pipeline(scope, pipeline, inputs, custom_parsers=None, *, float_type):
    steps = [step for _, step in pipeline.steps if step not in (None, "passthrough")]
    if len(inputs) > 1 and not _reads_raw_columns(steps[0]):
        inputs = [_concat(scope, inputs, float_type)]
    for step in steps:
        inputs = parse_step(scope, step, inputs, custom_parsers)
    return inputs


def _reads_raw_columns(step):
    if isinstance(step, Pipeline):
        step = next(s for _, s in step.steps if s not in (None, "passthrough"))
    return isinstance(step, (ColumnTransformer, FeatureUnion)) or categorical_reader(step) is not None


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
