"""``regtune fit``, ``regtune predict`` and ``regtune encode``."""

from pathlib import Path

import click

from regtune.tuning import DEFAULT_STORAGE

from ._io import (
    CommaList,
    check_training_table,
    ignore_option,
    leave_out,
    read_table,
    read_toml,
    split_target,
    table_output,
    write_table,
)
from ._main import main
from ._studies import load_study, storage_errors

MC_SAMPLES = 30


def _read_params(path):
    """``(params, seed)`` from a TOML file: a ``[params]`` table (or top-level keys) and ``seed``.

    Names and values are checked against the search space's (an unknown name would otherwise be
    ignored without a word, and a value out of range fail deep inside the estimator).
    """
    from regtune.tuning import SearchSpace

    data = read_toml(path, "--params")
    params = dict(data.get("params", data))
    seed = data.get("seed") if "params" in data else params.pop("seed", None)
    nested = [k for k, v in params.items() if isinstance(v, (dict, list))]
    if nested:
        raise ValueError(
            f"--params file must hold single values (name = value), got tables or "
            f"lists for {nested} in {str(path)!r}"
        )
    known = list(SearchSpace.default())
    unknown = [k for k in params if k not in known]
    if unknown:
        raise ValueError(
            f"--params file {str(path)!r} has unknown hyperparameter names "
            f"{', '.join(map(repr, unknown))}; known names: {', '.join(known)}"
        )
    try:
        SearchSpace.default().override(params)
    except ValueError as exc:
        raise ValueError(f"--params file {str(path)!r}: {exc}") from None
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ValueError(f"--params file {str(path)!r}: seed must be an integer, got {seed!r}")
    return params, seed


def _given_options(context):
    """The names of the options given on the command line (not left at their defaults)."""
    from click.core import ParameterSource

    return {
        name for name in context.params if context.get_parameter_source(name) is ParameterSource.COMMANDLINE
    }


@main.command()
@click.argument("data", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--target", help="Column to predict (default with --params best: the study's).")
@click.option(
    "--params",
    "params_source",
    default="best",
    show_default=True,
    help="'best' (the best trial of --study in --storage), 'default' (regtune's untuned defaults, "
    "as TabularRegressor / TabularClassifier; no study) or a params TOML file.",
)
@click.option("--storage", default=DEFAULT_STORAGE, show_default=True)
@click.option("--study", "study_name", default="regtune", show_default=True)
@click.option(
    "--task",
    type=click.Choice(["binary", "multiclass", "regression"]),
    help="With default or a TOML file; default: inferred from the target.",
)
@click.option(
    "--categorical",
    type=CommaList(),
    help="With default or a TOML file: the categorical columns (default: the non-numeric ones).",
)
@ignore_option
@click.option(
    "--seed",
    type=int,
    help="With default or a TOML file: the random seed (default: the file's seed, else 0).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default="model.regtune",
    show_default=True,
    help="Model file to write.",
)
def fit(data, target, params_source, storage, study_name, task, categorical, ignore, seed, output):
    """Fit the tuned pipeline on all rows of DATA and save it (.regtune file, no pickle).

    --params best takes the best trial of a study (with its task, columns and seed);
    --params default takes regtune's untuned defaults (the first configuration tune tries, the
    model TabularRegressor / TabularClassifier fit), no study needed; --params FILE.toml takes
    hyperparameters such as OUT/best_params.toml written by tune. With default or a file, every
    column of DATA but the target and the --ignore ones is a feature.

    \b
    Examples:
      regtune fit cars.csv --params best --storage sqlite:///regtune.db --study cars -o cars.regtune
      regtune fit cars.csv --target price --params default -o cars-untuned.regtune
      regtune fit cars.csv --target price --params regtune-out/best_params.toml -o cars.regtune
    """
    import regtune
    from regtune.tuning import best_configuration, fit_configuration, infer_task, refit_best

    from .._data_checks import check_columns

    # An option the chosen --params form does not read is refused, not silently ignored.
    given = _given_options(click.get_current_context())
    unread = {"task", "categorical", "seed"} if params_source == "best" else {"storage", "study_name"}
    misplaced = given & unread
    if misplaced:
        names = ", ".join("--study" if name == "study_name" else f"--{name}" for name in sorted(misplaced))
        where = (
            "only with --params default or a TOML file (--params best refits the study's own)"
            if params_source == "best"
            else "only with --params best (the study's best trial)"
        )
        raise click.UsageError(f"{names}: {where}")
    frame = read_table(data)
    if params_source == "best":
        with storage_errors(storage):
            study = load_study(storage, study_name)
            _, settings = best_configuration(study)  # what the model is, for the summary line
            if target is not None:
                check_columns(frame, [target])
            frame = leave_out(frame, ignore, target or settings["target"])
            y = None if target is None else frame[target]
            pipeline = refit_best(study, frame, y, progress="auto")
        task, target = settings["task"], target or settings["target"]
    else:
        if params_source != "default" and not Path(params_source).is_file():
            raise FileNotFoundError(
                f"--params must be 'best', 'default' or an existing TOML file, got {params_source!r}"
            )
        if target is None:
            which = "--params default" if params_source == "default" else "a --params file"
            raise ValueError(f"--target is required with {which}")
        params, file_seed = ("default", None) if params_source == "default" else _read_params(params_source)
        X, y = split_target(frame, target)
        X = leave_out(X, ignore, target)
        check_training_table(X, y, target, categorical=categorical)
        seed = seed if seed is not None else int(file_seed or 0)
        task = infer_task(y, task)
        pipeline = fit_configuration(
            X, y, params, task=task, categorical=categorical, seed=seed, progress="auto"
        )
    regtune.save(pipeline, output)
    rows, columns = len(frame), pipeline.n_features_in_
    click.echo(f"Fitted a {task} pipeline on {rows} rows x {columns} columns (target {target!r}).")
    click.echo(f"Model: {output}")


def _prediction_frame(model, X, proba, uncertainty, mc_samples):
    """The output columns: prediction, then probabilities and/or Monte-Carlo spreads."""
    import numpy as np
    import pandas as pd

    steps = getattr(model, "steps", None)
    estimator = steps[-1][1] if steps else model
    features = model[:-1].transform(X) if steps and len(steps) > 1 else X
    is_classifier = hasattr(estimator, "predict_proba")
    if proba and not is_classifier:
        raise ValueError(
            "--proba needs a classifier; the model is a regressor (use --uncertainty for a spread)"
        )
    samples = mc_samples if uncertainty else None
    if not is_classifier:
        mean, std = estimator.predict(features, mc_samples=samples, return_std=True)
        columns = {"prediction": np.asarray(mean)}
        if uncertainty:
            columns["prediction_std"] = np.asarray(std)
        return pd.DataFrame(columns)
    mean, std = estimator.predict_proba(features, mc_samples=samples, return_std=True)
    classes = estimator.classes_
    columns = {"prediction": classes[np.argmax(mean, axis=1)]}
    if proba or uncertainty:
        for k, label in enumerate(classes):
            columns[f"proba_{label}"] = mean[:, k]
    if uncertainty:
        for k, label in enumerate(classes):
            columns[f"proba_{label}_std"] = std[:, k]
    return pd.DataFrame(columns)


@main.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("data", type=click.Path(dir_okay=False, path_type=Path))
@table_output
@click.option("--proba", is_flag=True, help="Also write class probabilities (classifiers).")
@click.option(
    "--uncertainty",
    is_flag=True,
    help="Monte-Carlo dropout: mean and standard deviation over --mc-samples passes (a fold "
    "ensemble: the spread of its members).",
)
@click.option("--mc-samples", type=click.IntRange(min=2), default=MC_SAMPLES, show_default=True)
def predict(model_path, data, output, proba, uncertainty, mc_samples):
    """Predict the rows of DATA with a saved MODEL and write them to a CSV or Parquet file.

    Output columns: prediction; with --proba, proba_<class> for each class; with --uncertainty,
    the Monte-Carlo dropout mean (prediction, proba_<class>) and spread (prediction_std,
    proba_<class>_std; for a fold ensemble, the spread of its members). Rows keep DATA's order;
    DATA may hold extra columns (the target, ids).
    MODEL may also be an .onnx graph written by regtune export (run by ONNX Runtime; no --uncertainty).

    \b
    Example:
      regtune predict regtune-out/model.regtune new.csv -o predictions.csv --uncertainty
    """
    import regtune

    from .._data_checks import check_numeric, model_numeric_columns

    if not model_path.is_file():
        raise FileNotFoundError(f"MODEL file {str(model_path)!r} does not exist")
    if model_path.suffix.lower() == ".onnx":  # an exported graph: ONNX Runtime, no regtune model
        if uncertainty:
            raise ValueError("--uncertainty needs the .regtune model; an ONNX graph has no dropout")
        from regtune.export import predict_onnx

        result = predict_onnx(model_path, read_table(data), proba=proba)
        write_table(result, output)
        click.echo(f"Predicted {len(result)} rows: {output}")
        return
    model = regtune.load(model_path)
    frame = read_table(data)
    features = [str(c) for c in getattr(model, "feature_names_in_", [])]
    if not features:
        raise ValueError(f"MODEL {str(model_path)!r} does not record its input columns")
    missing = [c for c in features if c not in frame.columns]
    if missing:
        raise ValueError(
            f"DATA lacks the model's columns {', '.join(map(repr, missing))}; "
            f"DATA's columns are: {', '.join(frame.columns)}"
        )
    check_numeric(frame, model_numeric_columns(model), when="the model was trained")
    result = _prediction_frame(model, frame[features], proba, uncertainty, mc_samples)
    write_table(result, output)
    click.echo(f"Predicted {len(result)} rows: {output}")


@main.command()
@click.argument("data", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--target", required=True, help="The target column the encoding uses.")
@click.option("--columns", type=CommaList(), help="Columns to encode (default: the non-numeric columns).")
@table_output
@click.option(
    "--smooth",
    default="auto",
    show_default=True,
    help="'auto' (empirical Bayes) or the m-estimate weight m >= 0.",
)
@click.option(
    "--cv",
    type=click.IntRange(min=2),
    default=5,
    show_default=True,
    help="Folds of the out-of-fold (cross-fitted) encoding.",
)
@click.option("--seed", type=int, default=0, show_default=True)
def encode(data, target, columns, output, smooth, cv, seed):
    """Target-encode columns of DATA out of fold and write the encoded table.

    Each row is encoded with statistics from the other folds, never from its own target (the
    formulas: docs/target-encoding.md). A multiclass target gives one column per class
    (<column>_<class>).
    Other columns, the target included, are copied unchanged.

    \b
    Example:
      regtune encode cars.csv --target sold --columns make,model -o cars-encoded.parquet
    """
    import pandas as pd

    from regtune.encoding import TargetEncoder

    from .._data import categorical_columns
    from .._data_checks import check_columns, check_target, check_text_columns

    if smooth != "auto":
        try:
            smooth = float(smooth)
        except ValueError:
            raise ValueError(f"--smooth must be 'auto' or a number >= 0, got {smooth!r}") from None
    frame = read_table(data)
    X, y = split_target(frame, target)
    check_target(y, target)
    if columns is None:
        columns = categorical_columns(X)
        check_text_columns(X, columns, "--columns")
    if not columns:
        raise ValueError("DATA has no non-numeric column to encode; name them with --columns")
    check_columns(X, columns)
    encoder = TargetEncoder(smooth=smooth, cv=cv, random_state=seed)
    encoded = encoder.fit_transform(X[columns], y.to_numpy())
    names = [str(n) for n in encoder.get_feature_names_out()]
    per_column = len(names) // len(columns)
    parts = {}
    for name in frame.columns:
        if name not in columns:
            parts[name] = frame[name]
            continue
        j = columns.index(name)
        for k in range(j * per_column, (j + 1) * per_column):
            parts[names[k]] = encoded[:, k]
    write_table(pd.DataFrame(parts, index=frame.index), output)
    click.echo(f"Encoded {len(columns)} columns of {len(frame)} rows out of fold ({cv} folds): {output}")
