"""The ``regtune`` command group and its error boundary.

Every failure ends the same way: one line ``Error: ...`` on stderr and exit code 1, never a traceback.
That holds for the errors regtune raises on purpose, for bad files and URLs, and for click's own usage
errors (which name the ``--help`` to read). An unexpected exception (a bug) is also reported in one line,
with the hint to rerun with ``REGTUNE_DEBUG=1``, which shows the full traceback instead.
"""

import os
import sys
import warnings

import click

from ._io import one_line

DEBUG_VARIABLE = "REGTUNE_DEBUG"


def _expected_errors():
    """Exception types that mean "the input is wrong", not "regtune has a bug"."""
    from regtune.exceptions import RegtuneError

    types = [RegtuneError, ValueError, OSError, ImportError]
    try:
        import optuna

        types.append(optuna.exceptions.OptunaError)
    except ImportError:  # pragma: no cover - optuna is a dependency
        pass
    try:
        import sqlalchemy.exc

        types.append(sqlalchemy.exc.SQLAlchemyError)
    except ImportError:  # pragma: no cover - optuna's RDB storage needs it
        pass
    return tuple(types)


def _fail(message):
    click.echo(f"Error: {one_line(message)}", err=True)
    sys.exit(1)


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Warnings (say, a network that stopped before converging) as one ``Warning:`` line each."""
    click.echo(f"Warning: {one_line(message)}", err=True)


class RegtuneGroup(click.Group):
    """A click group whose ``main`` turns every exception into one ``Error:`` line and exit 1."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return self._main(args, prog_name, complete_var, **extra)

    def _main(self, args, prog_name, complete_var, **extra):
        try:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx is not None else "regtune"
            _fail(f"{exc.format_message()} (see '{where} --help')")
        except click.ClickException as exc:
            _fail(exc.format_message())
        except click.Abort:
            _fail("interrupted")
        except _expected_errors() as exc:
            if os.environ.get(DEBUG_VARIABLE):
                raise
            _fail(str(exc) or type(exc).__name__)
        except Exception as exc:
            if os.environ.get(DEBUG_VARIABLE):
                raise
            _fail(
                f"internal error ({type(exc).__name__}: {one_line(exc)}); this is a bug in "
                f"regtune: rerun with {DEBUG_VARIABLE}=1 for the traceback and report it"
            )


@click.group(cls=RegtuneGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="regtune", prog_name="regtune")
def main():
    """regtune: regularized neural networks for tabular data, tuned with Optuna.

    \b
    Quick start:
      regtune demo                                  # tune on the bundled data (< 3 min)
      regtune tune data.csv --target price --timeout 10m
      regtune predict regtune-out/model.regtune new.csv -o predictions.csv

    Every command has --help with an example. Errors print one line and exit with code 1.
    """


from . import _export  # noqa: E402, F401  (registers regtune export on main)
