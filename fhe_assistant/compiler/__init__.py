"""The facade: ``compiler``, ``Compiler``, ``Circuit``, ``Configuration``."""
from .circuit import Circuit
from .compiler import Compiler, compiler
from .configuration import Configuration
from .program import FHEProgram

__all__ = ["Circuit", "Compiler", "Configuration", "FHEProgram", "compiler"]
