"""``ParameterSelectionStrategy``: one TFHE parameter set for the circuit, or one per precision.

Concrete's names: ``MONO`` sizes one set for the widest lookup and every lookup pays for
it; ``MULTI`` (the default) gives each lookup precision its own keys, with keyswitches
between them (``crypto.multi_optimizer``).
"""
from __future__ import annotations

from enum import Enum

from ..core.errors import InputError


class ParameterSelectionStrategy(str, Enum):
    MONO = "mono"
    MULTI = "multi"

    @staticmethod
    def parse(value) -> ParameterSelectionStrategy:
        """The strategy named by ``value``: a member, or a name in any case (also another
        enum's member, such as Concrete's; its ``V0`` is one parameter set, as ``MONO``)."""
        if isinstance(value, ParameterSelectionStrategy):
            return value
        name = getattr(value, "name", value)
        if isinstance(name, str) and name.lower() in ("mono", "multi", "v0"):
            return ParameterSelectionStrategy("mono" if name.lower() == "v0" else name.lower())
        raise InputError(f"parameter_selection_strategy must be 'mono' or 'multi' "
                         f"(ParameterSelectionStrategy.MONO / .MULTI), got {value!r}")
