"""Running ``regtune`` in-process with click's CliRunner, and the one-line error check."""

from click.testing import CliRunner

from regtune.cli import main


def invoke(*args, env=None):
    """Run ``regtune ARGS`` in-process; returns click's Result (stdout and stderr kept apart)."""
    return CliRunner().invoke(
        main, [str(a) for a in args], env=env, catch_exceptions=True, prog_name="regtune"
    )


def assert_one_line_error(result, *fragments):
    """Exit code 1, stderr exactly one ``Error: ...`` line containing every fragment, no traceback."""
    assert result.exit_code == 1, (result.exit_code, result.output, result.exception)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), lines[0]
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]
