"""Names a package imports on first use (PEP 562), so ``import regtune`` and the CLI's ``--help``
load neither scikit-learn nor Optuna until a name that needs them is used."""

from importlib import import_module

__all__ = ["lazy_names"]


def lazy_names(package, table, namespace):
    """``(__getattr__, __dir__)`` for ``package`` whose public names live in the modules of ``table``.

    ``table`` maps a name to its module (relative to ``package`` or absolute); a name is imported
    on first access and then kept in ``namespace`` (the package's ``globals()``).
    """

    def __getattr__(name):
        if name in table:
            value = getattr(import_module(table[name], package), name)
            namespace[name] = value
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted(namespace.get("__all__", table))

    return __getattr__, __dir__
