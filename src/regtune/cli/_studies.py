"""``regtune report`` and ``regtune studies``: read a study storage, running or done."""

from contextlib import contextmanager
from pathlib import Path

import click

from regtune.tuning import DEFAULT_STORAGE

from ._io import require_existing_storage
from ._main import main


@contextmanager
def storage_errors(storage):
    """Report a database that cannot be reached or used in one line naming its (masked) URL."""
    import sqlalchemy.exc
    from optuna.exceptions import StorageInternalError

    try:
        yield
    except (sqlalchemy.exc.OperationalError, StorageInternalError) as exc:
        from sqlalchemy.engine import make_url

        from regtune.tuning import mask_password, storage_error_reason

        url = storage or DEFAULT_STORAGE
        reason = storage_error_reason(exc)
        try:
            password = make_url(url).password
        except Exception:  # not a URL: nothing to hide
            password = None
        if password:
            reason = reason.replace(str(password), "***")
        raise ConnectionError(f"cannot use the storage {mask_password(url)}: {reason}") from None


def load_study(storage, study_name):
    """Open ``study_name`` in ``storage``, or a one-line error listing the studies there."""
    import optuna

    from regtune.tuning import mask_password, open_storage

    require_existing_storage(storage)
    opened = open_storage(storage)
    names = optuna.get_all_study_names(opened)
    if study_name not in names:
        raise ValueError(
            f"study {study_name!r} not found in {mask_password(storage)}; studies "
            f"there: {', '.join(map(repr, names)) or 'none'}"
        )
    return optuna.load_study(study_name=study_name, storage=opened)


@main.command()
@click.option("--storage", default=DEFAULT_STORAGE, show_default=True, help="Optuna storage URL.")
@click.option("--study", "study_name", required=True, help="Name of the study.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default="report.html",
    show_default=True,
    help="HTML file to write.",
)
def report(storage, study_name, output):
    """Write the HTML report of a study, running or done (one self-contained file).

    \b
    Example:
      regtune report --storage sqlite:///regtune.db --study cars -o cars.html
    """
    from regtune.report import write_report

    with storage_errors(storage):
        study = load_study(storage, study_name)
        write_report(study, output, storage=storage)
    click.echo(f"Report: {output}")


def _score(value):
    return "-" if value is None else f"{value:.4f}"


@main.command()
@click.option("--storage", default=DEFAULT_STORAGE, show_default=True, help="Optuna storage URL.")
def studies(storage):
    """List the studies in a storage with their trial counts and best scores.

    \b
    Example:
      regtune studies --storage postgresql://tuner:secret@db.lan/regtune
    """
    from regtune.tuning import list_studies, mask_password

    require_existing_storage(storage)
    with storage_errors(storage):
        rows = list_studies(storage)
    if not rows:
        click.echo(f"No studies in {mask_password(storage)}.")
        return
    header = ("study", "task", "metric", "complete", "pruned", "failed", "running", "best")
    table = [header] + [
        (
            r["name"],
            r["task"] or "-",
            f"{r['metric'] or '-'} ({r['direction']})",
            *(str(r[k]) for k in ("n_complete", "n_pruned", "n_failed", "n_running")),
            _score(r["best_value"]),
        )
        for r in rows
    ]
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
    for row in table:
        click.echo("  ".join(f"{cell!s:<{w}}" for cell, w in zip(row, widths)).rstrip())
