"""The registry of ONNX converters: one entry per fitted step type that regtune converts itself.

A step type listed here is parsed by its own ``parse`` function (called by skl2onnx for every
instance in the model, with the graph's float type) and turned into ONNX nodes by its ``convert``
function (registered with skl2onnx under ``alias``). A type not listed is left to skl2onnx's own
converters (``StandardScaler``, ``Pipeline``, linear models...). Adding a step regtune should export
(a new encoder, an ensemble) is one ``register`` call in the module that converts it.

A step that holds other fitted models (``FoldEnsemble``'s members) names them with ``children``:
the export checks each of them as it checks the steps of a ``Pipeline``, and the raw columns they
read decide the graph's inputs as if they read them directly.

``raw_columns`` marks the steps that read raw categorical columns: given the fitted step it
returns one :class:`~regtune.export._inputs.RawColumn` per input column (string or number, and
the string that stands for a missing value), which decides the graph's input types.
"""

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["CONVERTERS", "Converter", "converter_for", "register"]


@dataclass(frozen=True)
class Converter:
    """How one fitted step type becomes ONNX.

    Attributes
    ----------
    alias : str
        Operator type the parser declares and the converter is registered under.
    parse : callable
        ``parse(scope, step, inputs, custom_parsers, *, float_type)`` -> output variables; a step
        with ``raw_columns`` also gets ``markers``: ``{column: the string that stands for a
        missing value in that string input}`` (see ``_inputs.py``).
    convert : callable
        ``convert(scope, operator, container)``: adds the step's nodes.
    raw_columns : callable or None
        ``raw_columns(step)`` -> list of ``RawColumn``, for steps that read raw categorical columns.
    problem : callable or None
        ``problem(step)`` -> why this fitted step has no ONNX form (one line), or None; checked
        before conversion.
    children : callable or None
        ``children(step)`` -> ``[(name, sub_step), ...]``: the fitted models inside a step that
        holds others (an ensemble's members), each checked as a step of its own.
    """

    alias: str
    parse: Callable
    convert: Callable
    raw_columns: Callable | None = None
    problem: Callable | None = None
    children: Callable | None = None


CONVERTERS: dict[type, Converter] = {}


def register(step_type, converter):
    """List ``converter`` for fitted steps of exactly ``step_type``."""
    CONVERTERS[step_type] = converter


def converter_for(step):
    """The registered converter of ``step``'s type, or None."""
    return CONVERTERS.get(type(step))
