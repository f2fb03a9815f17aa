"""Concrete's module path ``concrete.fhe.compilation``: the compiler facade, its options,
modules and composition policies, and the client/server classes (as Concrete exports them)."""
from ..compiler import (
    AllComposable,
    AllInputs,
    AllOutputs,
    Circuit,
    Compiler,
    CompositionPolicy,
    Configuration,
    FheFunction,
    FheModule,
    Input,
    NotComposable,
    Output,
    Wire,
    Wired,
)
from ..compiler.module import ModuleDebugArtifacts
from ..core import strategies
from ..core.strategies import *  # the options' enums
from ..deploy import Client, ClientSpecs, EvaluationKeys, Keys, Server, Value
from .utils import inputset

__all__ = [
    "AllComposable", "AllInputs", "AllOutputs", "Circuit", "Client", "ClientSpecs", "Compiler",
    "CompositionPolicy", "Configuration", "EvaluationKeys", "FheFunction", "FheModule", "Input",
    "Keys", "ModuleDebugArtifacts", "NotComposable", "Output", "Server", "Value", "Wire", "Wired",
    "inputset",
]
__all__ += strategies.__all__
