"""Arrows point down: which regtune package may import which (docs/architecture.md's diagram).

The oracle is the source itself, read with ``ast``: every ``import regtune...`` and relative import
of every module, mapped to the top-level unit it reaches.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "regtune"

# A unit may import only units of a lower layer (docs/architecture.md). ``regtune`` (the package's
# lazy __init__: ``__version__``, ``regtune.save``) may be used from anywhere.
LAYERS = {
    "exceptions": 0,
    "_atomic": 0,
    "_lazy": 0,
    "_data": 0,
    "_sklearn_internals": 0,
    "nn": 0,
    "datasets": 0,
    "_hyperparameters": 1,
    "_data_checks": 1,
    "neural_network": 2,
    "encoding": 2,
    "persistence": 2,
    "ensemble": 2,
    "preprocessing": 3,
    "export": 4,
    "tuning": 5,
    "report": 6,
    "cli": 7,
}


def _unit(parts):
    """The top-level unit of a module path inside regtune (``("tuning", "_space")`` -> ``tuning``)."""
    return parts[0] if parts else "regtune"


def _imports(path):
    """The regtune units ``path`` imports (module-level and inside functions)."""
    package = list(path.relative_to(SRC).parts[:-1])  # a module's package; an __init__'s own
    reached = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - (node.level - 1)]
            target = base + (node.module.split(".") if node.module else [])
            if not target and node.module is None:  # from .. import name: the names are modules or attrs
                reached |= {_unit([a.name]) if a.name in LAYERS else "regtune" for a in node.names}
            else:
                reached.add(_unit(target))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "regtune":
            reached.add(_unit(node.module.split(".")[1:]))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "regtune":
                    reached.add(_unit(alias.name.split(".")[1:]))
    return reached


MODULES = sorted(p for p in SRC.rglob("*.py") if p.name != "__main__.py")


def test_every_unit_has_a_layer():
    units = {_unit(list(p.relative_to(SRC).with_suffix("").parts)) for p in MODULES} - {"__init__"}
    assert units == set(LAYERS)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_imports_point_down(path):
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    unit = _unit(parts)
    if unit == "__init__":
        return  # the package's lazy __init__ names everything, by design
    upward = {other for other in _imports(path) - {unit, "regtune"} if LAYERS[other] >= LAYERS[unit]}
    assert not upward, f"{path.relative_to(SRC)} (layer {LAYERS[unit]}) imports {sorted(upward)}"


@pytest.mark.parametrize(
    ("module", "absent"),
    [
        ("regtune._hyperparameters", ("sklearn", "optuna", "numpy")),
        ("regtune._data", ("sklearn", "optuna")),
        ("regtune.nn", ("sklearn", "optuna")),
        ("regtune.cli", ("sklearn", "optuna", "numpy")),  # --help stays fast
        ("regtune.tuning", ("sklearn", "optuna", "numpy")),  # its names load on first use
    ],
)
def test_light_modules_load_no_heavy_dependency(module, absent):
    code = f"import sys, {module}; print(sorted(m for m in {absent!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
