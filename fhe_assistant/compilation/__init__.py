"""Concrete's module path ``concrete.fhe.compilation``: the compiler facade and its options."""
from ..compiler import Circuit, Compiler, Configuration
from ..core import strategies
from ..core.strategies import *  # the options' enums
from .utils import inputset

__all__ = ["Circuit", "Compiler", "Configuration", "inputset"]
__all__ += strategies.__all__
