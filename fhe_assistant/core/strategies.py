"""Concrete's configuration enums (strategies, exactness, security level), with Concrete's
names and values. They are plain values: ``compiler/options.py`` holds the options that take
them, ``extensions`` reads ``Exactness``.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

#: the options' enums, re-exported by ``fhe_assistant``, ``.compilation`` and ``compiler.options``
__all__ = [
    "ApproximateRoundingConfig",
    "BitwiseStrategy",
    "ComparisonStrategy",
    "Exactness",
    "MinMaxStrategy",
    "MultiParameterStrategy",
    "MultivariateStrategy",
    "ParameterSelectionStrategy",
    "SecurityLevel",
]


class _ParsableEnum(str, Enum):
    """``parse`` accepts a member or its value, case-insensitive (as Concrete does)."""

    @classmethod
    def parse(cls, value):
        if isinstance(value, cls):
            return value
        if not isinstance(value, str):
            raise TypeError(f"{value} cannot be parsed to a {cls.__name__}")
        for member in cls:
            if value.lower() == member.value:
                return member
        raise ValueError(f"'{value}' is not a valid '{cls.__name__}' "
                         f"({', '.join(member.value for member in cls)})")

    def __str__(self) -> str:
        return self.name


class SecurityLevel(int, Enum):
    """Bits of security of the chosen parameters (this backend targets 128)."""

    SECURITY_128_BITS = 128
    SECURITY_132_BITS = 132


class ParameterSelectionStrategy(_ParsableEnum):
    """Concrete's optimizer strategies: MULTI (the default) gives each lookup precision its own
    parameter set; MONO (V0 its alias) sizes one set for the whole circuit."""

    V0 = "v0"
    MONO = "mono"
    MULTI = "multi"


class MultiParameterStrategy(_ParsableEnum):
    PRECISION = "precision"
    PRECISION_AND_NORM2 = "precision_and_norm2"


class Exactness(Enum):
    """Exact or approximate rounding (``round_bit_pattern(..., exactness=...)``)."""

    APPROXIMATE = "approximate"
    EXACT = "exact"


@dataclass
class ApproximateRoundingConfig:
    """Concrete's knobs for approximate rounding. ``logical_clipping`` (or, without it,
    ``approximate_clipping_start_precision``) clips a rounding that overflows its input's
    width for the lookups that read it (``transforms.rounding_clipping``; Concrete's
    approximate clipping by an extra lookup is done by the table here). The last two knobs
    are Concrete's debugging aids and are not read. A slip past either end of the rounded
    range always reads that end (:mod:`lowered.tables`)."""

    logical_clipping: bool = True
    approximate_clipping_start_precision: int = 5
    reduce_precision_after_approximate_clipping: bool = True
    symetrize_deltas: bool = True


class ComparisonStrategy(_ParsableEnum):
    """How an encrypted × encrypted comparison becomes table lookups."""

    ONE_TLU_PROMOTED = "one-tlu-promoted"
    THREE_TLU_CASTED = "three-tlu-casted"
    TWO_TLU_BIGGER_PROMOTED_SMALLER_CASTED = "two-tlu-bigger-promoted-smaller-casted"
    TWO_TLU_BIGGER_CASTED_SMALLER_PROMOTED = "two-tlu-bigger-casted-smaller-promoted"
    THREE_TLU_BIGGER_CLIPPED_SMALLER_CASTED = "three-tlu-bigger-clipped-smaller-casted"
    TWO_TLU_BIGGER_CLIPPED_SMALLER_PROMOTED = "two-tlu-bigger-clipped-smaller-promoted"
    CHUNKED = "chunked"


class BitwiseStrategy(_ParsableEnum):
    """How an encrypted × encrypted bitwise op or shift becomes table lookups."""

    ONE_TLU_PROMOTED = "one-tlu-promoted"
    THREE_TLU_CASTED = "three-tlu-casted"
    TWO_TLU_BIGGER_PROMOTED_SMALLER_CASTED = "two-tlu-bigger-promoted-smaller-casted"
    TWO_TLU_BIGGER_CASTED_SMALLER_PROMOTED = "two-tlu-bigger-casted-smaller-promoted"
    CHUNKED = "chunked"


class MultivariateStrategy(_ParsableEnum):
    """How ``fhe.multivariate`` packs its encrypted operands into one lookup."""

    PROMOTED = "promoted"
    CASTED = "casted"


class MinMaxStrategy(_ParsableEnum):
    """How encrypted × encrypted ``np.minimum``/``np.maximum`` become table lookups."""

    ONE_TLU_PROMOTED = "one-tlu-promoted"
    THREE_TLU_CASTED = "three-tlu-casted"
    CHUNKED = "chunked"
