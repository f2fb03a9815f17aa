"""TFHE parameters, security curve, noise formulas, cost model and optimizer (numbers only, no graphs).

Entry points: :func:`optimize` turns a :class:`CircuitRequirements` into an
:class:`OptimizationResult` holding the cheapest 128-bit-secure :class:`TFHEParameters`
(one set for the circuit, Concrete's MONO); :func:`optimize_multi` turns a
:class:`PartitionedRequirements` into one set per precision partition plus the
cross-partition keyswitches (Concrete's MULTI); :func:`optimize_wop` gives one
:class:`WopParameters` set for lookups of 9–16 bits (WoP-PBS), and
:func:`optimize_circuit` picks the cheaper method that fits.
"""

from .cost import CostCalibration, CostKind, predict_seconds
from .method_choice import optimize_circuit
from .multi_optimizer import optimize_multi
from .multi_result import CrossKeyswitch, MultiOptimizationResult, PartitionResult
from .optimizer import max_message_bit_width, optimize
from .parameters import TFHEParameters
from .partitioned import NoiseConstraint, PartitionedRequirements
from .requirements import CircuitRequirements
from .result import NoiseBreakdown, OptimizationResult
from .wop_optimizer import optimize_wop
from .wop_parameters import LookupMethod, WopParameters
from .wop_result import WopOptimizationResult

__all__ = [
    "CircuitRequirements",
    "CostCalibration",
    "CostKind",
    "CrossKeyswitch",
    "LookupMethod",
    "MultiOptimizationResult",
    "NoiseBreakdown",
    "NoiseConstraint",
    "OptimizationResult",
    "PartitionResult",
    "PartitionedRequirements",
    "TFHEParameters",
    "WopOptimizationResult",
    "WopParameters",
    "max_message_bit_width",
    "optimize",
    "optimize_circuit",
    "optimize_multi",
    "optimize_wop",
    "predict_seconds",
]
