"""Circuit bootstrap: an LWE bit (small key) → a GGSW of that bit in Fourier form
(ePrint 2022/704 §4, Chillotti et al. ePrint 2018/421 Alg. 6; tfhe-notes §1.4–§1.5).

Definition
----------
Input: LWE_s(μ·2**63 + e), μ ∈ {0, 1} (a :mod:`.bit_extraction` output, dimension n).
Output: GGSW_S(μ) with the gadget (b_cb, l_cb), g_j = 2**(64 − j·b_cb), j = 1 … l_cb:

1. for each level j: add 2**62 to the body and bootstrap with the constant test vector
   −α_j, α_j = 2**(63 − j·b_cb), then add α_j: an LWE (big key) of μ·g_j (the trick of the
   bit extraction); all levels come out of one blind rotation, coefficients 0 … l_cb − 1
   (:mod:`.many_output_bootstrap`), and in a WoP lookup the bit extraction's own rotation
   gives them (:func:`.bit_extraction.extract_bits_and_levels`);
2. identity packing keyswitch (:mod:`.packing_keyswitch`) of that LWE: the GLWE
   row (j, k) of the GGSW, phase μ·g_j (constant polynomial);
3. scheme switch of row (j, k) with SSK_r = GGSW(−S_r): the rows (j, r < k), phase −μ·g_j·S_r;
4. the (l_cb, k+1, k+1, N) GGSW to the Fourier domain (:mod:`..entities.fourier_ggsw`).

All bits × levels of a call go through each step together: one bootstrap batch of m bits
(both cores), one packing keyswitch batch of m·l_cb LWEs (key streamed once per thread),
one scheme-switch batch.

Noise of a row (modular variances): row (j, k): σ²_BR + σ²_PKS; rows (j, r < k):
σ²_BR/2 + σ²_PKS,round/2 + (N/2)·σ²_PKS,key + σ²_SS (the scalar parts are multiplied by
the binary S_r coefficient-wise, the key noise of the packing keys by the polynomial S_r).
"""

from __future__ import annotations

import numpy as np

from ..entities.fourier_ggsw import ggsw_to_fourier
from .many_output_bootstrap import bootstrap_bit_constants
from .packing_keyswitch import packing_keyswitch_batch, scheme_switch_batch

__all__ = [
    "circuit_bootstrap",
    "circuit_bootstrap_ggsw",
    "ggsw_from_levels",
    "level_alphas",
    "level_lwes",
]


def level_alphas(params) -> np.ndarray:
    """α_j = 2**(63 − j·b_cb), j = 1 … l_cb: step 1's outputs are μ·2α_j = μ·g_j."""
    return np.array([1 << (63 - (j + 1) * params.cb_base_log) for j in range(params.cb_level)],
                    dtype=np.uint64)


def level_lwes(bits, params, bootstrap_key_fourier) -> np.ndarray:
    """Step 1: LWEs (big key) of μ·g_j for LWE bits (m, n+1) -> uint64 (m, l_cb, k·N + 1),
    all levels of a bit from one blind rotation (:mod:`.many_output_bootstrap`)."""
    bits = np.ascontiguousarray(bits, dtype=np.uint64)
    n = params.lwe_dimension
    if bits.ndim != 2 or bits.shape[1] != n + 1:
        raise ValueError(f"expected LWE bits of shape (m, {n + 1}), got {bits.shape}")
    return bootstrap_bit_constants(bits, level_alphas(params), bootstrap_key_fourier,
                                   params.ks_pbs())


def ggsw_from_levels(levels, params, keys) -> np.ndarray:
    """Steps 2–3: LWEs (m, l_cb, k·N + 1) of μ·g_j -> standard GGSWs (m, l_cb, k+1, k+1, N).

    ``keys`` is a :class:`..entities.wop_keys.WopEvaluationKeys`.
    """
    k, size, level = params.glwe_dimension, params.polynomial_size, params.cb_level
    count = levels.shape[0]
    bodies = packing_keyswitch_batch(levels.reshape(count * level, -1),
                                     keys.packing_keyswitch_key, params.pfpks_base_log,
                                     params.pfpks_level)
    masks = scheme_switch_batch(bodies, keys.scheme_switch_key_fourier, params)
    ggsw = np.empty((count * level, k + 1, k + 1, size), dtype=np.uint64)
    ggsw[:, :k] = masks
    ggsw[:, k] = bodies
    return ggsw.reshape(count, level, k + 1, k + 1, size)


def circuit_bootstrap_ggsw(bits, params, keys) -> np.ndarray:
    """Steps 1–3: standard-domain GGSWs of LWE bits (m, n+1) -> uint64 (m, l_cb, k+1, k+1, N)."""
    return ggsw_from_levels(level_lwes(bits, params, keys.bootstrap_key_fourier), params, keys)


def circuit_bootstrap(bits, params, keys) -> np.ndarray:
    """GGSW(μ) in Fourier form for LWE bits (m, n+1) of μ·2**63 ->
    float64 (m, k+1, (k+1)·l_cb, 2, N/2) (:mod:`..entities.fourier_ggsw`)."""
    return ggsw_to_fourier(circuit_bootstrap_ggsw(bits, params, keys))
