"""The plaintext: a message encoded with one padding bit (tfhe-notes §1.1, §5.3).

A message of ``message_bit_width`` p lives in the top p+1 bits of a 64-bit word:

    encode(v) = (v mod 2**(p+1)) · Δ,    Δ = 2**(63 - p)

The top bit is the *padding bit*: it must stay 0 for unsigned messages in [0, 2**p).
Negative values are stored in two's complement modulo 2**(p+1), so for signed messages
the padding bit acts as a sign extension.

Decoding rounds the phase φ to the nearest multiple of Δ:

    m' = ((φ + Δ/2) mod 2**64) >> (63 - p)  ∈ [0, 2**(p+1))

and, when ``is_signed``, reinterprets m' as a (p+1)-bit two's-complement integer.
"""

from __future__ import annotations

import numpy as np

__all__ = ["decode", "delta_log", "encode"]


def delta_log(message_bit_width: int) -> int:
    """log2 Δ = 63 - p (one padding bit)."""
    if not 0 < message_bit_width < 63:
        raise ValueError(f"message_bit_width must be in [1, 62], got {message_bit_width}")
    return 63 - message_bit_width


def encode(values, message_bit_width: int) -> np.ndarray:
    """Encode integers as plaintexts: (v mod 2**(p+1)) · 2**(63-p), as uint64.

    Parameters
    ----------
    values : int array-like (any shape); negative values are taken mod 2**(p+1).
    message_bit_width : int
        p, the message bits not counting the padding bit.
    """
    shift = np.uint64(delta_log(message_bit_width))
    words = np.asarray(values, dtype=np.int64).astype(np.uint64)
    return words << shift


def decode(phases, message_bit_width: int, is_signed: bool = False) -> np.ndarray:
    """Round phases to messages: ((φ + Δ/2) mod 2**64) >> (63-p), as int64.

    Parameters
    ----------
    phases : uint64 array-like (any shape)
    message_bit_width : int
        p; the rounded message m' lies in [0, 2**(p+1)).
    is_signed : bool
        Reinterpret m' as a (p+1)-bit two's-complement integer, i.e. return
        m' - 2**(p+1) when m' >= 2**p.
    """
    shift = delta_log(message_bit_width)
    words = np.asarray(phases, dtype=np.uint64)
    half_delta = np.uint64(1 << (shift - 1))
    with np.errstate(over="ignore"):
        rounded = ((words + half_delta) >> np.uint64(shift)).astype(np.int64)
    if is_signed:
        modulus = 1 << (message_bit_width + 1)
        rounded = np.where(rounded >= modulus // 2, rounded - modulus, rounded)
    return rounded
