"""Concrete's module path ``concrete.fhe.compilation``: the compiler facade and its options."""
from ..compiler import Circuit, Compiler, Configuration
from .configuration import (
                            ApproximateRoundingConfig,
                            BitwiseStrategy,
                            ComparisonStrategy,
                            Exactness,
                            MinMaxStrategy,
                            MultiParameterStrategy,
                            MultivariateStrategy,
                            ParameterSelectionStrategy,
                            SecurityLevel,
)
from .utils import inputset

__all__ = ["ApproximateRoundingConfig", "BitwiseStrategy", "Circuit", "ComparisonStrategy",
           "Compiler", "Configuration", "Exactness", "MinMaxStrategy", "MultiParameterStrategy",
           "MultivariateStrategy", "ParameterSelectionStrategy", "SecurityLevel", "inputset"]
