"""The LWE keyswitching key in its 32-bit form: uint32 (k·N, l_ks, n+1) (tfhe-notes §1.6).

KSK[i][j] = LWE_s(s'_i · 2**(64 − (j+1)·b_ks)) for every bit s'_i of the big key and every
level j of the keyswitch gadget (b_ks, l_ks), under the small key s (noise σ_lwe(n)).

32-bit key
----------
The key is stored as the top 32 bits of every word, rounded: KSK32 = ⌊KSK / 2**32⌉ mod 2**32
(20 MB instead of 40 at 4-bit parameters), and the keyswitch sums Σ d·KSK32 modulo 2**32,
then moves them back to the top half of the 64-bit output. Why: a lone keyswitch is bound
by reading the key, and 32-bit multiplies vectorize twice as wide (4-bit 1.48 → 0.48 ms,
8-bit 25.6 → 13.6 ms, one core). Each rounding error is uniform in ±2**31, so the keyswitch
gains a variance k·N·l_ks·E[d²]·2**64/12, about 2**79 at 4-bit parameters against σ²_KS ≈
2**110 (tfhe-notes §3.4): 2**−31 of it, left out of the noise model. The rounded key is a
function of the public one, so it reveals nothing more.
"""

from __future__ import annotations

import numpy as np

from fhe_assistant.crypto.parameters import TFHEParameters

__all__ = ["keyswitch_key_shape", "round_to_top_half"]


def keyswitch_key_shape(params: TFHEParameters) -> tuple[int, int, int]:
    """(k·N, l_ks, n+1): the shape of the keyswitching key of ``params``."""
    return (params.big_lwe_dimension, params.ks_decomposition_level_count, params.lwe_dimension + 1)


def round_to_top_half(words) -> np.ndarray:
    """⌊x / 2**32⌉ mod 2**32 for uint64 words: the 32-bit form of a keyswitching key (also
    how a key saved in the older 64-bit form is converted on load)."""
    words = np.asarray(words, dtype=np.uint64)
    return ((words + np.uint64(1 << 31)) >> np.uint64(32)).astype(np.uint32)
