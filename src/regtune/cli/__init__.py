"""The ``regtune`` command line: a thin shell over the library, one library call per command.

``main`` is the click group behind the ``regtune`` console script. See ``docs/cli.md``.
"""

from . import _models, _studies, _tuning  # noqa: F401  (they register the commands on main)
from ._main import main

__all__ = ["main"]
