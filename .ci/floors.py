"""The lowest versions regtune declares for its core dependencies, as pip constraints, and a check.

pyproject.toml is the one source: every entry of ``[project] dependencies`` names its floor with
``>=``. This script turns those floors into exact pins (``constraints``), so that ``make
test-floors`` installs the oldest releases the project claims to support, and verifies afterwards
that pip really installed them (``check``): a floor that pip had to exceed, or a dependency without
a floor, fails the step instead of passing quietly on newer releases.

Usage::

    python .ci/floors.py constraints > constraints.txt   # name==floor [; marker], one a line
    python .ci/floors.py check                           # installed version == floor, for each
"""

import re
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10: the Makefile installs tomli first
    import tomli as tomllib

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
# name, optional extras, the floor after ">=", any further specifiers, optional "; marker"
REQUIREMENT = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*>=\s*(?P<floor>[0-9][^,;\s]*)"
    r"[^;]*(;\s*(?P<marker>.+))?$"
)


def floors():
    """``[(name, floor, marker or None)]`` for every core dependency of pyproject.toml."""
    dependencies = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["dependencies"]
    found = []
    for requirement in dependencies:
        match = REQUIREMENT.match(requirement)
        if match is None:
            sys.exit(f"floors.py: dependency {requirement!r} in pyproject.toml has no '>=' floor")
        found.append((match["name"], match["floor"], match["marker"]))
    return found


def applies(marker):
    """Whether an environment marker holds here (the only kind used: ``python_version < 'X.Y'``)."""
    if marker is None:
        return True
    match = re.fullmatch(r"python_version\s*<\s*['\"](\d+)\.(\d+)['\"]", marker.strip())
    if match is None:
        sys.exit(f"floors.py: cannot evaluate the marker {marker!r}; extend applies()")
    return sys.version_info[:2] < (int(match[1]), int(match[2]))


def release(text):
    """The numeric release of a version string, trailing zeros dropped: '1.26.0' -> (1, 26)."""
    numbers = [int(part) for part in re.match(r"\d+(\.\d+)*", text)[0].split(".")]
    while len(numbers) > 1 and numbers[-1] == 0:
        numbers.pop()
    return tuple(numbers)


def constraints():
    for name, floor, marker in floors():
        print(f"{name}=={floor}" + (f"; {marker}" if marker else ""))


def check():
    wrong = []
    for name, floor, marker in floors():
        if not applies(marker):
            continue
        try:
            installed = version(name)
        except PackageNotFoundError:
            installed = "missing"
        status = "ok" if installed != "missing" and release(installed) == release(floor) else "NOT THE FLOOR"
        print(f"  {name:<14} floor {floor:<8} installed {installed:<10} {status}")
        if status != "ok":
            wrong.append(name)
    if wrong:
        sys.exit(f"floors.py: not installed at the declared floor: {', '.join(wrong)}")


if __name__ == "__main__":
    commands = {"constraints": constraints, "check": check}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        sys.exit(f"usage: python {sys.argv[0]} {{{'|'.join(commands)}}}")
    commands[sys.argv[1]]()
