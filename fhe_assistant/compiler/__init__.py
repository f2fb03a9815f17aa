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
from .graph_view import GraphView
from .module import FheFunction, FheModule, ModuleDefinition, function, module
from .processors import GraphProcessor
from .program import FHEProgram

__all__ = ["AllComposable", "AllInputs", "AllOutputs", "Circuit", "Compiler",
           "CompositionPolicy", "Configuration", "FHEProgram", "FheFunction", "FheModule", "GraphProcessor", "GraphView",
           "Input", "ModuleDefinition", "NotComposable", "Output", "Wire", "Wired", "circuit", "compiler",
           "function", "module"]
