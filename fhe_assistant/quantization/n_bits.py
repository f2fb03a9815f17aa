"""``n_bits``: one integer for everything, or separate widths for inputs, weights and outputs."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from ..core.errors import InputError

#: Concrete ML's key names, accepted so that code written for it keeps working.
_ALIASES = {
    "inputs": "inputs", "model_inputs": "inputs", "op_inputs": "inputs",
    "weights": "weights", "op_weights": "weights",
    "outputs": "outputs", "model_outputs": "outputs", "op_outputs": "outputs",
    "op_leaves": "outputs", "activations": "outputs",
}

MAXIMUM_N_BITS = 16


def _check_width(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int,)) and not hasattr(value, "__index__"):
        raise InputError(f"n_bits[{name!r}] must be an integer, got {value!r}")
    value = int(value)
    if not 1 <= value <= MAXIMUM_N_BITS:
        raise InputError(f"n_bits[{name!r}] = {value} is outside 1..{MAXIMUM_N_BITS}")
    return value


@dataclass(frozen=True, slots=True)
class NBits:
    """Bit widths of quantized values.

    Attributes
    ----------
    inputs
        Model inputs, quantized on the client before encryption.
    weights
        Constant weights (per output channel).
    outputs
        Values produced by table lookups (activations, tree leaves).
    """

    inputs: int = 8
    weights: int = 8
    outputs: int = 8

    @staticmethod
    def parse(n_bits, default: NBits | None = None) -> NBits:
        """``6`` → all six bits; ``{"inputs": 4, "weights": 3}`` → the rest from ``default``.

        Concrete ML's names (``model_inputs``, ``op_weights``, ``op_leaves`` …) are accepted.
        """
        default = default or NBits()
        if isinstance(n_bits, NBits):
            return n_bits
        if n_bits is None:
            return default
        if isinstance(n_bits, Mapping):
            unknown = sorted(k for k in n_bits if k not in _ALIASES)
            if unknown:
                raise InputError(f"unknown n_bits key(s) {unknown}; use 'inputs', 'weights' "
                                 f"and 'outputs'")
            changes = {_ALIASES[k]: _check_width(k, v) for k, v in n_bits.items()}
            return replace(default, **changes)
        width = _check_width("n_bits", n_bits)
        return NBits(width, width, width)

    def as_dict(self) -> dict[str, int]:
        return {"inputs": self.inputs, "weights": self.weights, "outputs": self.outputs}

    def __str__(self) -> str:
        if self.inputs == self.weights == self.outputs:
            return str(self.inputs)
        return f"in{self.inputs}/w{self.weights}/out{self.outputs}"
