"""TFHE parameters, security curve, noise formulas, cost model and optimizer (numbers only, no graphs).

Entry point: :func:`optimize` turns a :class:`CircuitRequirements` into an
:class:`OptimizationResult` holding the cheapest 128-bit-secure :class:`TFHEParameters`.
"""

from .cost import CostCalibration, CostKind, predict_seconds
from .optimizer import max_message_bit_width, optimize
from .parameters import TFHEParameters
from .requirements import CircuitRequirements
from .result import NoiseBreakdown, OptimizationResult

__all__ = [
    "CircuitRequirements",
    "CostCalibration",
    "CostKind",
    "NoiseBreakdown",
    "OptimizationResult",
    "TFHEParameters",
    "max_message_bit_width",
    "optimize",
    "predict_seconds",
]
