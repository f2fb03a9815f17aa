"""Parameters of the WoP-PBS (lookups wider than a native bootstrap can hold).

The "without padding" programmable bootstrap (Bergerat et al., ePrint 2022/704) evaluates a
table of up to 16 input bits as: bit extraction (one keyswitch + one small bootstrap per input
bit), circuit bootstrapping of each bit into a GGSW ciphertext (``cb_level`` bootstraps plus
private functional packing keyswitches per bit), then vertical packing (a CMUX tree over the
table packed into GLWE polynomials, and a blind rotation). It shares the big LWE key (dimension
``glwe_dimension * polynomial_size``), the small key, the bootstrapping key and the
keyswitching key with a native KS-PBS set; it adds the packing keyswitch keys.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, fields
from enum import Enum

from .parameters import KeyShape, TFHEParameters

#: Bits w of each digit the vertical packing outputs; every digit is then bootstrapped
#: (``backend/tfhe/algorithms/wop_pbs.py``), so a lookup's output has D = ⌈(p_out + 1)/w⌉
#: bootstraps' noise whatever its width.
OUTPUT_DIGIT_BITS = 3
#: (base_log, level) of the scheme-switching GGSW(−S_r) keys of the circuit bootstrap (fixed:
#: the key is 0.6 MB and its external products ~2 % of a lookup, so only its noise matters).
SCHEME_SWITCH_GADGET = (11, 4)


#: Whether a bit's extraction bootstrap and its cb_level circuit-bootstrap bootstraps run as
#: ONE many-output bootstrap (``backend/tfhe/algorithms/many_output_bootstrap.py``): a q-bit
#: lookup then costs q bootstraps (+ D digit ones) instead of q − 1 + q·cb_level, and the
#: bit's modulus switch rounds to 2N/L points, L = :func:`bit_bootstrap_slots`.
FUSED_BIT_BOOTSTRAPS = True  # the kernels fuse them since 7d33975


def bit_bootstraps_fused(fused: bool | None = None) -> bool:
    """``fused`` if given, else :data:`FUSED_BIT_BOOTSTRAPS` (read at call time)."""
    return FUSED_BIT_BOOTSTRAPS if fused is None else bool(fused)


def bit_bootstrap_slots(cb_level: int, fused: bool | None = None) -> int:
    """L, the outputs of a bit's bootstrap: 1 unfused, else the power of two ≥ 1 + cb_level."""
    if not bit_bootstraps_fused(fused):
        return 1
    return 1 << int(cb_level).bit_length()  # 2**ceil(log2(1 + cb_level))


def output_digit_count(output_bit_width: int) -> int:
    """D, the digits a lookup output of ``output_bit_width`` bits (plus its padding bit) needs."""
    return -(-(int(output_bit_width) + 1) // OUTPUT_DIGIT_BITS)


class LookupMethod(str, Enum):
    """How a table lookup runs (every optimization result says it per lookup precision)."""

    NATIVE = "native"  # keyswitch + programmable bootstrap (uses the value's padding bit)
    WOP = "wop"  # bit extraction + circuit bootstrap + vertical packing (ePrint 2022/704)


@dataclass(frozen=True, slots=True)
class WopParameters(KeyShape):
    """One WoP-PBS parameter set.

    The seven :class:`KeyShape` numbers mean what they mean for a KS-PBS set (the bootstrap
    key serves the bit extraction and the circuit bootstrap). ``pfpks_*`` is the gadget of the
    private functional packing keyswitch (big LWE key → GLWE key), ``cb_*`` the gadget of the
    GGSW ciphertexts the circuit bootstrap produces. ``message_bit_width`` is p: values are
    encoded with Δ = 2**(63 - p), one padding bit, as in :class:`TFHEParameters`, so a WoP
    lookup reads and writes the same ciphertexts as the rest of the program.
    """

    pfpks_base_log: int
    pfpks_level: int
    cb_base_log: int
    cb_level: int
    message_bit_width: int

    @property
    def delta_log(self) -> int:
        return 63 - self.message_bit_width

    def ks_pbs(self) -> TFHEParameters:
        """The KS-PBS part (same keys), for code that handles the shared keys."""
        shape = {f.name: getattr(self, f.name) for f in fields(KeyShape)}
        return TFHEParameters(**shape, message_bit_width=self.message_bit_width)

    @classmethod
    def from_dict(cls, data: dict) -> WopParameters:
        return cls(**dict(data))

    def fingerprint(self) -> str:
        """A short stable hash (prefixed ``wop:`` so it never equals a KS-PBS set's)."""
        text = "wop:" + ",".join(f"{k}={v}" for k, v in sorted(asdict(self).items()))
        return hashlib.sha256(text.encode()).hexdigest()[:16]
