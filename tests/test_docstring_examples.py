"""Every docstring example in the package runs and prints what it shows (a stale default, such as
a width the recipe no longer uses, fails here)."""

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import regtune


def _modules_with_examples():
    names = []
    for info in pkgutil.walk_packages(regtune.__path__, prefix="regtune."):
        spec = importlib.util.find_spec(info.name)
        if spec.origin and ">>> " in Path(spec.origin).read_text(encoding="utf-8"):
            names.append(info.name)
    return names


MODULES = _modules_with_examples()
# Modules whose examples are all marked +SKIP (they need files or mlflow): nothing runs there.
ALL_SKIPPED = {"regtune.export._convert", "regtune.export._mlflow"}


def test_the_examples_are_found():
    assert {"regtune.tuning._pipeline", "regtune.tuning._default_trial", "regtune.persistence._io"} <= set(
        MODULES
    )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    failures, attempted = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert failures == 0 and (attempted > 0) == (name not in ALL_SKIPPED)
