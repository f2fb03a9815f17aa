"""Tracing Python/numpy functions into op-graphs."""
from . import (
           assignment,  # noqa: F401 - sets Tracer.assignment_api (x[i] = v, x[y])
           numpy_api,  # noqa: F401 - installs numpy's protocols on Tracer
)
from .convolution import conv
from .extensions import LookupTable, round_bit_pattern, univariate
from .pooling import maxpool
from .trace import trace, validate_encryption_statuses
from .tracer import Tracer

__all__ = ["LookupTable", "Tracer", "conv", "maxpool", "round_bit_pattern", "trace",
           "univariate", "validate_encryption_statuses"]
