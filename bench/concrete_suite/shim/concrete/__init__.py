"""Import shim for running Concrete's own tests against ``fhe_assistant``.

``concrete.fhe`` is ``fhe_assistant``; ``concrete.fhe.X.Y`` is ``fhe_assistant.X.Y`` when that
module exists and a ``ModuleNotFoundError`` otherwise. Nothing is faked: a name the tests use
that ``fhe_assistant`` does not have fails as it would for a user. Any other ``concrete.*``
module (``concrete.compiler``, Concrete's MLIR bindings) does not exist here.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys

import fhe_assistant as fhe

_PREFIX = "concrete.fhe"
_TARGET = "fhe_assistant"


class _AliasLoader(importlib.abc.Loader):
    """Replaces the placeholder module with the real ``fhe_assistant`` module."""

    def __init__(self, target: str):
        self.target = target

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        sys.modules[module.__name__] = importlib.import_module(self.target)


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if not fullname.startswith(_PREFIX + "."):
            return None
        real = _TARGET + fullname[len(_PREFIX):]
        try:
            found = importlib.util.find_spec(real)
        except ModuleNotFoundError:
            found = None
        if found is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(real),
                                              is_package=found.submodule_search_locations
                                              is not None)


sys.meta_path.insert(0, _AliasFinder())
sys.modules[_PREFIX] = fhe

__all__ = ["fhe"]
