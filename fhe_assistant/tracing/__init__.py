"""Tracing Python/numpy functions into op-graphs."""
from . import numpy_api  # noqa: F401  (installs numpy's protocols on Tracer)
from .convolution import conv, maxpool
from .extensions import LookupTable, round_bit_pattern, univariate
from .trace import trace, validate_encryption_statuses
from .tracer import Tracer
from . import assignment  # noqa: E402,F401 - sets Tracer.assignment_api (x[i] = v, x[y])

__all__ = ["LookupTable", "Tracer", "conv", "maxpool", "round_bit_pattern", "trace",
           "univariate", "validate_encryption_statuses"]
