"""``regtune export``: a saved model as one ONNX graph."""

from pathlib import Path

import click

from ._main import main


@main.command("export")
@click.argument("model_path", metavar="MODEL", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default="model.onnx",
    show_default=True,
    help="ONNX file to write.",
)
@click.option(
    "--dtype",
    type=click.Choice(["float32", "float64"]),
    default="float32",
    show_default=True,
    help="Precision of the graph (float64 reproduces regtune's predictions to ~1e-12).",
)
@click.option("--opset", type=click.IntRange(min=13), default=18, show_default=True, help="ONNX opset.")
def export(model_path, output, dtype, opset):
    """Export a saved MODEL (.regtune), preprocessing included, as an ONNX graph.

    The graph reads the raw columns by name (strings for categorical columns, numbers with NaN
    for missing values) and outputs label and probabilities (classifiers) or variable
    (regressors). Predict with it: regtune predict model.onnx new.csv -o predictions.csv.
    See docs/deployment.md.

    \b
    Example:
      regtune export regtune-out/model.regtune -o model.onnx --dtype float64
    """
    import numpy as np

    import regtune

    if not model_path.is_file():
        raise FileNotFoundError(f"MODEL file {str(model_path)!r} does not exist")
    model = regtune.load(model_path)
    path = regtune.export_onnx(model, output, dtype=np.dtype(dtype), opset=opset)
    click.echo(f"Exported {type(model).__name__} ({dtype}, opset {opset}): {path}")
