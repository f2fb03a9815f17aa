"""What a circuit asks of its TFHE parameters: the input of :func:`crypto.optimizer.optimize`.

The graph layers summarize a compiled circuit into these few numbers (the crypto layer
sees no graphs). One parameter set serves the whole circuit, sized for its worst table
lookup (Concrete's "solo key" / v0 strategy, tfhe-notes §3.5).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Protocol

from ..core.errors import InputError
from .noise import per_op_p_error

DEFAULT_GLOBAL_P_ERROR = 1e-5


class DecryptionCount(Protocol):
    """Requirements of one or several parameter sets: how many operations share the budget."""

    @property
    def decryption_count(self) -> int: ...


@dataclass(frozen=True, slots=True)
class CircuitRequirements:
    """The noise-relevant summary of a circuit.

    Attributes
    ----------
    message_bit_width
        p, the precision every encrypted value is encoded with: Δ = 2**(63 − p). Table
        lookups and outputs are decoded at this precision.
    pbs_count
        Number of table lookups (KS + PBS each); 0 for a purely linear circuit.
    max_norm2_into_pbs
        Largest 2-norm √Σw² of a linear combination feeding a lookup (1.0 if none): its
        input noise is multiplied by this, squared, before the keyswitch.
    pbs_input_from_pbs
        Some lookup reads a value that came out of another lookup. Its input noise is then
        σ²_BR, not the fresh σ²_glwe (tfhe-notes pitfall §5.8: Concrete's 8-bit set fails
        1e-3 of the time on chained lookups instead of 1e-5).
    max_norm2_into_output
        Largest 2-norm of a linear combination between a fresh input or a lookup output
        and a circuit output; outputs are decoded at the same precision p.
    outputs_from_pbs
        Some output is (a linear combination of) a lookup output, so its noise is σ²_BR.
        Ignored when ``pbs_count`` is 0.
    output_count
        Number of decrypted output scalars; with a global error target, lookups and
        outputs share it (Concrete counts both).
    leveled_op_count
        Number of ciphertext-level additions / clear multiplications; each costs the big
        LWE dimension kN in the cost model (tfhe-notes §3.5), so a large linear part
        pushes the optimizer towards a smaller kN.
    """

    message_bit_width: int
    pbs_count: int = 1
    max_norm2_into_pbs: float = 1.0
    pbs_input_from_pbs: bool = False
    max_norm2_into_output: float = 1.0
    outputs_from_pbs: bool = True
    output_count: int = 1
    leveled_op_count: int = 0

    def __post_init__(self) -> None:
        if not (
            isinstance(self.message_bit_width, numbers.Integral)
            and 1 <= self.message_bit_width <= 60
        ):
            raise InputError(
                f"message_bit_width must be an integer in [1, 60], got {self.message_bit_width!r}"
            )
        for name in ("pbs_count", "output_count", "leveled_op_count"):
            value = getattr(self, name)
            if not (isinstance(value, numbers.Integral) and value >= 0):
                raise InputError(f"{name} must be a non-negative integer, got {value!r}")
        for name in ("max_norm2_into_pbs", "max_norm2_into_output"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise InputError(f"{name} must be a finite 2-norm ≥ 0, got {value!r}")
        # Store plain Python numbers (callers often pass NumPy scalars from an analysis).
        for name in ("message_bit_width", "pbs_count", "output_count", "leveled_op_count"):
            object.__setattr__(self, name, int(getattr(self, name)))
        for name in ("max_norm2_into_pbs", "max_norm2_into_output"):
            object.__setattr__(self, name, float(getattr(self, name)))
        for name in ("pbs_input_from_pbs", "outputs_from_pbs"):
            object.__setattr__(self, name, bool(getattr(self, name)))

    @property
    def decryption_count(self) -> int:
        """Operations that can fail and share a global error budget: lookups + outputs."""
        return max(1, self.pbs_count + self.output_count)

    @property
    def chained(self) -> bool:
        return self.pbs_count > 0 and self.pbs_input_from_pbs

    @property
    def output_noise_from_pbs(self) -> bool:
        return self.pbs_count > 0 and self.outputs_from_pbs


def target_p_error(
    requirements: DecryptionCount, p_error: float | None, global_p_error: float | None
) -> float:
    """The per-operation failure bound the search enforces on every lookup and output.

    As in Concrete: an explicit ``p_error`` is the per-PBS target; otherwise
    ``global_p_error`` (1e-5 when both are None) is split evenly over the
    ``decryption_count`` lookups and outputs, p = 1 − (1 − global)**(1/count).
    """
    if p_error is not None:
        _check_probability("p_error", p_error)
        return float(p_error)
    if global_p_error is None:
        global_p_error = DEFAULT_GLOBAL_P_ERROR
    _check_probability("global_p_error", global_p_error)
    return float(per_op_p_error(global_p_error, requirements.decryption_count))


def lookup_noise_bit_width(read_bit_width: int, approximate: bool = False) -> int:
    """The precision p whose decoding bound 2**(62−p) a lookup's input noise must meet.

    An exact read of ``read_bit_width`` bits fails when the noise moves its index by one
    step: the noise must stay under half a step, Δ/2. An *approximate* rounded read
    (``round_bit_pattern`` folded into the lookup, Concrete's ``Exactness.APPROXIMATE``)
    keeps the accumulator's low bits in the ciphertext: they already sit anywhere in
    [−Δ/2, Δ/2) of the step, so the read is by definition allowed to be one step off
    near every boundary, and it only fails (two steps off) when the noise exceeds a
    whole step Δ, twice the exact bound: the bound of p − 1 bits. The price is more
    one-step slips (their rate grows with σ/Δ; ``simulate`` draws the same noise, so
    its accuracy shows them). One-bit reads keep their exact bound (the step is the
    padding).
    """
    if not (isinstance(read_bit_width, numbers.Integral) and read_bit_width >= 1):
        raise InputError(f"read_bit_width must be a positive integer, got {read_bit_width!r}")
    return int(read_bit_width) - 1 if approximate and read_bit_width > 1 else int(read_bit_width)


def _check_probability(name: str, value: float) -> None:
    if not (0.0 < value < 1.0):
        raise InputError(f"{name} must be in (0, 1), got {value!r}")
