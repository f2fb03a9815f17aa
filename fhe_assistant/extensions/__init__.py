"""Concrete's extensions (``concrete.fhe.extensions``): the FHE-specific functions users call
inside traced functions.

Each one traces to ops whose clear rule lives in ``interpret/`` and that lower to leveled
ops or table lookups like any other op.
"""
from ..tracing.convolution import conv
from ..tracing.extensions import LookupTable, univariate
from ..tracing.pooling import maxpool
from .auto_adjust import AutoRounder, AutoTruncator
from .bits import bits
from .constants import array, constant, one, ones, ones_like, zero, zeros, zeros_like
from .multivariate import multivariate
from .rounding import round_bit_pattern, truncate_bit_pattern
from .simple import hint, identity, if_then_else, refresh, relu
from .tag import tag

__all__ = ["AutoRounder", "AutoTruncator", "LookupTable", "array", "bits", "constant", "conv",
           "hint",
           "identity", "if_then_else", "maxpool", "multivariate", "one", "ones", "ones_like",
           "refresh", "relu", "round_bit_pattern", "tag", "truncate_bit_pattern", "univariate",
           "zero",
           "zeros", "zeros_like"]
