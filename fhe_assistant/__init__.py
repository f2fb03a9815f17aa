"""fhe_assistant: take numpy programs and small models to FHE, and see what happens on the way.

The API mirrors ``concrete.fhe``: ``import fhe_assistant as fhe`` then
``@fhe.compiler({"x": "encrypted"})``, ``.compile(inputset)``, ``circuit.simulate(...)``.
"""
from .compiler import Circuit, Compiler, Configuration, FHEProgram, compiler
from .core.dtypes import Float, Integer
from .core.errors import (CompilationError, EvaluationError, FHEAssistantError, InputError,
                          OutOfRangeWarning, TracingError)
from .tracing import LookupTable, round_bit_pattern, univariate

__version__ = "0.1.0"

__all__ = [
    "compiler", "Compiler", "Circuit", "Configuration", "FHEProgram", "LookupTable",
    "univariate", "round_bit_pattern", "Integer", "Float", "FHEAssistantError", "TracingError",
    "InputError", "CompilationError", "EvaluationError", "OutOfRangeWarning",
]
