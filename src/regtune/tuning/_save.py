"""A tune result's files: the final model and the best configuration as a params TOML file."""

import json
from pathlib import Path

from .._atomic import write_atomic

__all__ = ["MODEL_FILE", "PARAMS_FILE", "params_toml", "save_result"]

MODEL_FILE = "model.regtune"
PARAMS_FILE = "best_params.toml"


def params_toml(params, *, seed=None, comment=None):
    """A TOML document of ``params`` (numbers, booleans, strings) that ``regtune fit --params`` reads.

    Examples
    --------
    >>> print(params_toml({"alpha_per_row": 0.01, "batch_norm": True, "smooth": "auto", "width": 64}, seed=3))
    seed = 3
    <BLANKLINE>
    [params]
    alpha_per_row = 0.01
    batch_norm = true
    smooth = "auto"
    width = 64
    <BLANKLINE>
    """
    lines = [f"# {comment}"] if comment else []
    if seed is not None:
        lines += [f"seed = {int(seed)}", ""]
    lines.append("[params]")
    for name, value in params.items():
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, (int, float)):
            text = repr(value) if isinstance(value, int) else repr(float(value))
        else:
            text = json.dumps(str(value))  # a JSON string is a valid TOML basic string
        lines.append(f"{name} = {text}")
    return "\n".join(lines) + "\n"


def save_result(result, folder):
    """Write a :class:`TuneResult`'s final model and best configuration into ``folder``.

    ``folder/model.regtune`` is the final model, ``result.best_pipeline`` (the best trial's fold
    ensemble by default, or the refit pipeline; ``regtune.save``, no pickle);
    ``folder/best_params.toml`` holds the best configuration as a refit trains it (``max_epochs`` =
    its best epoch) and its seed, which ``regtune fit --params`` and :func:`fit_configuration` read
    back. Both are written atomically; ``folder`` is created if needed. The HTML report is
    ``regtune.report.write_report(result.study, ...)``.

    Returns
    -------
    dict
        ``{"model": path, "params": path}``.
    """
    from regtune.persistence import save

    if result.best_pipeline is None:
        raise ValueError(
            "result has no final model (tune was called with final_model=None or refit=False); "
            "fit one with regtune.tuning.refit_best(result.study, X, y)"
        )
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"model": folder / MODEL_FILE, "params": folder / PARAMS_FILE}
    saved = result.model_path is not None and Path(result.model_path).resolve() == paths["model"].resolve()
    if not saved:  # tune(save_to=...) wrote this very file already
        save(result.best_pipeline, paths["model"])
    best = result.best_trial  # the final model's trial (it may have been stopped by the deadline)
    params = dict(result.best_params)
    if "best_epoch" in best.user_attrs:
        params["max_epochs"] = int(best.user_attrs["best_epoch"])
    seed = int(best.user_attrs.get("seed", result.study.user_attrs.get("seed", 0)))
    comment = (
        f"best trial {best.number} of study {result.study.study_name!r}: "
        f"{result.metric} {result.best_score:.6g} +- {result.best_score_std:.4g}"
    )
    text = params_toml(params, seed=seed, comment=" ".join(comment.split()))
    write_atomic(paths["params"], lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return paths
