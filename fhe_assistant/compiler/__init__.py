"""The facade: ``compiler``, ``Compiler``, ``Circuit``, ``Configuration``."""
from .circuit import Circuit
from .compiler import Compiler, compiler
from .composition import (
    AllComposable,
    AllInputs,
    AllOutputs,
    CompositionPolicy,
    Input,
    NotComposable,
    Output,
    Wire,
    Wired,
)
from .configuration import Configuration
from .direct import circuit
from .module import FheFunction, FheModule, ModuleDefinition, function, module
from .program import FHEProgram

__all__ = ["AllComposable", "AllInputs", "AllOutputs", "Circuit", "Compiler",
           "CompositionPolicy", "Configuration", "FHEProgram", "FheFunction", "FheModule",
           "Input", "ModuleDefinition", "NotComposable", "Output", "Wire", "Wired", "circuit", "compiler",
           "function", "module"]
