"""``AutoRounder`` / ``AutoTruncator``: choose ``lsbs_to_remove`` from an inputset.

``adjust(function, inputset)`` runs the plain function on the inputset; the first rounder not
adjusted yet stops each run and records the range of its input, then gets
``lsbs_to_remove = bit_width(range) − target_msbs`` (at least 0); this repeats until a run
meets no unadjusted rounder (a rounder's input can depend on an earlier rounder).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from ..dtypes import Integer

#: The default number of most significant bits kept (the widest lookup the backend runs).
DEFAULT_TARGET_MSBS = 8

_ADJUSTING = [False]


class Adjusting(Exception):
    """Raised by an unadjusted rounder while adjusting, with the range of its input."""

    def __init__(self, adjuster: AutoAdjuster, low: int, high: int):
        super().__init__(adjuster)
        self.adjuster, self.low, self.high = adjuster, low, high


class AutoAdjuster:
    """Shared by ``AutoRounder`` and ``AutoTruncator``."""

    kind = "AutoAdjuster"
    verb = "adjusted"

    def __init__(self, target_msbs: int = DEFAULT_TARGET_MSBS):
        if _ADJUSTING[0]:
            raise RuntimeError(f"{self.kind}s cannot be constructed during adjustment, please "
                               f"construct {self.kind}s outside the function and reference it")
        self.target_msbs = target_msbs
        self.is_adjusted = False
        self.input_min = 0
        self.input_max = 0
        self.input_bit_width = 0
        self.lsbs_to_remove = 0

    def resolve(self, x) -> int:
        """``lsbs_to_remove`` for a value ``x`` reaching the rounder."""
        if _ADJUSTING[0] and not self.is_adjusted:
            raise Adjusting(self, int(np.min(x)), int(np.max(x)))
        if not self.is_adjusted:
            raise RuntimeError(f"{self.kind}s cannot be used before adjustment, please call "
                               f"{self.kind}.adjust with the function that will be compiled "
                               f"and provide the exact inputset that will be used for "
                               f"compilation")
        return self.lsbs_to_remove

    @classmethod
    def adjust(cls, function: Callable, inputset: Iterable) -> None:
        """Adjust every rounder of this kind that ``function`` reaches on ``inputset``."""
        function = getattr(function, "function", function)
        if _ADJUSTING[0]:
            raise RuntimeError(f"{cls.kind}s cannot be adjusted recursively")
        samples = list(inputset)
        _ADJUSTING[0] = True
        try:
            while True:
                adjuster = None
                for sample in samples:
                    try:
                        function(*(sample if isinstance(sample, tuple) else (sample,)))
                    except Adjusting as signal:
                        adjuster = signal.adjuster
                        adjuster._observe(signal.low, signal.high)
                    else:
                        return
                if adjuster is None:
                    raise ValueError(f"{cls.kind}s cannot be adjusted with an empty inputset")
                adjuster.is_adjusted = True
        finally:
            _ADJUSTING[0] = False

    def _observe(self, low: int, high: int) -> None:
        self.input_min, self.input_max = min(self.input_min, low), max(self.input_max, high)
        self.input_bit_width = Integer.that_can_represent(
            np.array([self.input_min, self.input_max])).bit_width
        if self.input_bit_width - self.lsbs_to_remove > self.target_msbs:
            self.lsbs_to_remove = self.input_bit_width - self.target_msbs

    def dump_dict(self) -> dict:
        return {"target_msbs": self.target_msbs, "is_adjusted": self.is_adjusted,
                "input_min": self.input_min, "input_max": self.input_max,
                "input_bit_width": self.input_bit_width, "lsbs_to_remove": self.lsbs_to_remove}

    @classmethod
    def load_dict(cls, properties: dict) -> AutoAdjuster:
        result = cls(target_msbs=properties["target_msbs"])
        for name in ("is_adjusted", "input_min", "input_max", "input_bit_width",
                     "lsbs_to_remove"):
            setattr(result, name, properties[name])
        return result


class AutoRounder(AutoAdjuster):
    """``round_bit_pattern(x, lsbs_to_remove=AutoRounder(target_msbs))``."""

    kind = "AutoRounder"


class AutoTruncator(AutoAdjuster):
    """``truncate_bit_pattern(x, lsbs_to_remove=AutoTruncator(target_msbs))``."""

    kind = "AutoTruncator"
