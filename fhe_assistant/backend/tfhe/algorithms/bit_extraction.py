"""Bit extraction: an LWE of x ∈ [0, 2**q) → q LWEs of its bits, least significant first
(ePrint 2022/704 §3, Concrete's ``extract_bits``; tfhe-notes §1.5–§1.6 for the KS and PBS).

Definition
----------
Input: LWE (big key) of x·Δ, Δ = 2**δ, δ = 63 − p (one padding bit). For bit i = 0 … q−1,
with R the input minus the bits already removed (R = Σ_{t ≥ i} x_t·2**(δ+t)):

1. shift the bit to the top: R·2**(p − i) (word-wise, mod 2**64) has phase
   x_i·2**63 + (noise)·2**(p − i): the higher bits fall off the modulus;
2. keyswitch to the small key: **output i** = LWE_s(x_i·2**63 + e), dimension n;
3. (not for the last bit) add 2**62 to that body, so the phase switched to Z_2N is about
   N/2 (x_i = 0) or 3N/2 (x_i = 1), and bootstrap it with the constant test vector −α,
   α = 2**(δ + i − 1): the negacyclic wrap gives −α or +α; add α: an LWE (big key) of
   x_i·2**(δ+i), which is subtracted from R.

Each bit costs one keyswitch and one bootstrap (none for the last), in sequence: bit i + 1
reads R after bit i's subtraction. A batch of B inputs runs as B-wide keyswitch and bootstrap
batches (:func:`.keyswitch.keyswitch_batch`, :func:`.bootstrap.bootstrap_batch`).

Noise: output i carries the input's noise times 2**(p−i) plus σ²_KS (the PBS outputs of
bits < i, subtracted from R, are scaled the same way); the bootstrap only needs its phase
within ±2**62 of the right half, so p + log2 σ_in must stay well under 62 − log2 κ.
"""

from __future__ import annotations

import numpy as np

from fhe_assistant.crypto.wop_parameters import bit_bootstrap_slots

from .keyswitch import keyswitch_batch
from .many_output_bootstrap import bootstrap_bit_constants

__all__ = ["extract_bits", "extract_bits_and_levels"]


def extract_bits(lwe_in, bit_count: int, params, bootstrap_key_fourier, keyswitch_key
                 ) -> np.ndarray:
    """The q = ``bit_count`` low bits of x from LWEs (B, k·N + 1) of x·2**(63 − p).

    Parameters
    ----------
    lwe_in : uint64 (B, k·N + 1), big key, x ∈ [0, 2**q) with one padding bit above p bits
    bit_count : q, 1 ≤ q ≤ p = ``params.message_bit_width``
    params : WopParameters (or TFHEParameters: only the KS-PBS part and p are read)
    bootstrap_key_fourier, keyswitch_key : the KS-PBS keys

    Returns
    -------
    uint64 (B, q, n + 1): [b, i] is an LWE under the small key of x_i·2**63 (bit i, LSB first).
    """
    bits, _ = extract_bits_and_levels(lwe_in, bit_count, params, bootstrap_key_fourier,
                                      keyswitch_key, np.zeros(0, dtype=np.uint64))
    return bits


def extract_bits_and_levels(lwe_in, bit_count: int, params, bootstrap_key_fourier,
                            keyswitch_key, level_alphas) -> tuple[np.ndarray, np.ndarray]:
    """:func:`extract_bits`, and from the same bootstraps the LWEs (big key) of x_i·2α_j for
    each of ``level_alphas`` (T,) -> (bits (B, q, n+1), levels (B, q, T, k·N + 1)).

    Step 3's bootstrap of bit i is a many-output one (:mod:`.many_output_bootstrap`):
    output 0 is the bit at its place (α = 2**(δ+i−1)), outputs 1 … T the circuit
    bootstrap's levels (:func:`.circuit_bootstrap.level_alphas`), so a bit costs one
    blind rotation in all. The last bit is bootstrapped for its levels only.
    """
    lwe_in = np.ascontiguousarray(lwe_in, dtype=np.uint64)
    level_alphas = np.asarray(level_alphas, dtype=np.uint64).reshape(-1)
    p = params.message_bit_width
    if not 1 <= bit_count <= p:
        raise ValueError(f"can extract 1 to {p} bits from a {p}-bit message, not {bit_count}")
    ks_params = params.ks_pbs() if hasattr(params, "ks_pbs") else params
    delta_log = 63 - p
    n, big = params.lwe_dimension, lwe_in.shape[1]
    count, levels = lwe_in.shape[0], level_alphas.size
    bits = np.empty((count, bit_count, n + 1), dtype=np.uint64)
    out_levels = np.empty((count, bit_count, levels, big), dtype=np.uint64)
    remainder = lwe_in.copy()
    # L, the same for every bit (the last one too) and the one the optimizer's noise model uses
    slots = bit_bootstrap_slots(levels, fused=True) if levels else 1
    for i in range(bit_count):
        small = keyswitch_batch(remainder << np.uint64(p - i), keyswitch_key, ks_params)
        bits[:, i] = small
        last = i == bit_count - 1
        if last and levels == 0:
            break
        alpha = np.uint64(0 if last else 1 << (delta_log + i - 1))
        alphas = np.concatenate([[alpha], level_alphas]).astype(np.uint64)
        outputs = bootstrap_bit_constants(small, alphas, bootstrap_key_fourier, ks_params, slots)
        out_levels[:, i] = outputs[:, 1:]
        if not last:
            remainder -= outputs[:, 0]
    return bits, out_levels
