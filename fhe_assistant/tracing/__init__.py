"""Tracing Python/numpy functions into op-graphs."""
from .extensions import LookupTable, round_bit_pattern, univariate
from .trace import trace, validate_encryption_statuses
from .tracer import Tracer

__all__ = ["trace", "validate_encryption_statuses", "Tracer", "LookupTable", "univariate",
           "round_bit_pattern"]
