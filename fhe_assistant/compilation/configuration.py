"""Concrete's module path ``concrete.fhe.compilation.configuration``."""
from ..compiler.configuration import Configuration
from ..core import strategies
from ..core.strategies import *  # the options' enums

__all__ = ["Configuration"]
__all__ += strategies.__all__
