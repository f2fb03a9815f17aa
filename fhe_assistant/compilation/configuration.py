"""Concrete's module path ``concrete.fhe.compilation.configuration``."""
from ..compiler.configuration import Configuration
from ..compiler.options import (
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

__all__ = ["ApproximateRoundingConfig", "BitwiseStrategy", "ComparisonStrategy", "Configuration",
           "Exactness", "MinMaxStrategy", "MultiParameterStrategy", "MultivariateStrategy",
           "ParameterSelectionStrategy", "SecurityLevel"]
