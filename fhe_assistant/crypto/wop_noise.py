"""Noise of the WoP-PBS steps (ePrint 2022/704), in the modular units of :mod:`crypto.noise`.

A q-bit WoP lookup on a value encoded with Δ = 2**(63 − p) (one padding bit), as
``backend/tfhe/algorithms/wop_pbs.py`` runs it:

1. **Bit extraction** (q keyswitches, q − 1 bootstraps). For bit i = 0, 1, …, q − 1 (from
   the least significant): shift the big-key ciphertext left by p − i so that bit i lands
   on the most significant bit, keyswitch it to the small key (this small-key LWE is the
   bit's output), then, except for the last bit, bootstrap it into ±2**(62 − p + i) and
   subtract that from the big-key ciphertext so the next bit becomes the lowest. Bit i's
   output noise is ``(σ²_in + i·σ²_BR)·4**(p − i) + σ²_KS``: the keyswitch and
   modulus-switch noise are *not* scaled by 4**p, which is why a 16-bit lookup fits a
   small polynomial. A bit's bootstraps decode it when the noise at their input, after the
   modulus switch, stays below q/4 = 2**62 (:func:`bit_p_error`).
2. **Circuit bootstrap** of each bit into a GGSW of the bit under the GLWE key S, level
   j = 1 … ``cb_level`` (gadget g_j = 2**(64 − j·b_cb)): a bootstrap gives an LWE (big key)
   of μ·g_j; an *identity* packing keyswitch (one key, gadget ``pfpks_*``) turns it into the
   body row, a GLWE of the constant polynomial μ·g_j; k external products with
   GGSW(−S_r) (the "scheme switch" of ePrint 2024/323, gadget ``SCHEME_SWITCH_GADGET``)
   give the rows r < k, phase −S_r·μ·g_j: one packing key instead of Concrete's k + 1
   *private* functional packing keyswitch keys. Row noise (:func:`ggsw_row_variances`):
   the body row has the bootstrap noise and the packing rounding on its constant
   coefficient and the packing keys' noise on every coefficient; a row r < k has all of it
   multiplied by the binary polynomial S_r (a constant times S_r: × 1/2 per coefficient; a
   full polynomial: × N/2) plus the scheme switch's own external-product noise.
3. **Vertical packing** of each output digit's table (the output words cut into digits of
   ``OUTPUT_DIGIT_BITS`` bits): a CMux tree over the high bits and a blind rotation over
   the low ``log2 N`` bits, q external products on every path with those GGSWs
   (:func:`vertical_packing_variance_from_ggsw`); the tables are trivial GLWEs.
4. **Digit bootstraps**: each digit is keyswitched and bootstrapped into its share of the
   output word; the D shares are summed, so the output has D bootstraps' noise.

Concrete's optimizer (``optimization/wop_atomic_pattern``, with CRT blocks and without
step 4) uses the same bit-extraction, bootstrap and external-product formulas; its private
packing keyswitch (``private_packing_keyswitch.rs``) is :func:`private_packing_keyswitch_variance`
here, kept to compare with Concrete's rows. The per-parameter-set model (what a lookup's
steps measure, its failure probability) is :mod:`crypto.wop_model`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .noise import (
    _Q2,
    _SQ_EXP_KEY,
    _VAR_KEY,
    external_product_variance_terms,
    fresh_variance,
    p_error_from_variance,
)
from .wop_parameters import SCHEME_SWITCH_GADGET

#: E[s²] of a binary key coefficient: the factor a GGSW key row applies to the bootstrap noise
_KEY_SQUARE = _VAR_KEY + _SQ_EXP_KEY


def private_packing_keyswitch_variance(
    input_variance: ArrayLike,
    glwe_dimension: ArrayLike,
    polynomial_size: ArrayLike,
    base_log: ArrayLike,
    level: ArrayLike,
) -> np.ndarray:
    """Concrete's private functional packing keyswitch ("multiply by −S_j"), modular units.

    ``estimate_packing_private_keyswitch`` of ``concrete-cpu/noise-model``: key noise
    l·(kN+1)·σ²_ksk·(B²+2)/12, rounding (q² − B^(2l))/(12·B^(2l))·(1 + kN/4 + 1/4) + kN/16,
    input noise × 1/2. Not what the backend runs (see :func:`packing_keyswitch_variances`).
    """
    k = np.asarray(glwe_dimension, dtype=np.float64)
    n_poly = np.asarray(polynomial_size, dtype=np.float64)
    b = np.asarray(base_log, dtype=np.float64)
    lev = np.asarray(level, dtype=np.float64)
    kn = k * n_poly
    with np.errstate(over="ignore", invalid="ignore"):
        b2l = np.exp2(2.0 * b * lev)
        rounding = (_Q2 - b2l) / (12.0 * b2l) * (1.0 + kn / 4.0 + 0.25) + kn / 16.0
    keys = lev * (kn + 1.0) * fresh_variance(kn) * (np.exp2(2.0 * b) + 2.0) / 12.0
    return keys + rounding + np.asarray(input_variance) * _KEY_SQUARE


def packing_keyswitch_variances(
    glwe_dimension: ArrayLike, polynomial_size: ArrayLike, base_log: ArrayLike, level: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """(rounding, key) variances of the identity packing keyswitch LWE (kN) → GLWE (k, N).

    ``out = (0, b) − Σ_i Σ_j d_ij·PKS[i][j]``, PKS[i][j] = GLWE_S(s'_i·2**(64 − j·b)):

    * rounding: each of the kN mask coefficients rounded to b·l bits, times its key bit:
      kN·(q²/(12·B^(2l)) − 1/12)·E[s²], on the constant coefficient only (a scalar);
    * key: kN·l digits (variance (B²+2)/12) times the keys' fresh noise σ²(kN), on every
      coefficient.
    """
    k = np.asarray(glwe_dimension, dtype=np.float64)
    n_poly = np.asarray(polynomial_size, dtype=np.float64)
    b = np.asarray(base_log, dtype=np.float64)
    lev = np.asarray(level, dtype=np.float64)
    kn = k * n_poly
    with np.errstate(over="ignore", invalid="ignore"):
        b2l = np.exp2(2.0 * b * lev)
        rounding = kn * np.maximum(_Q2 / (12.0 * b2l) - 1.0 / 12.0, 0.0) * _KEY_SQUARE
    key = kn * lev * (np.exp2(2.0 * b) + 2.0) / 12.0 * fresh_variance(kn)
    return rounding, key


def scheme_switch_variance(glwe_dimension: ArrayLike, polynomial_size: ArrayLike) -> np.ndarray:
    """Noise per coefficient one external product GGSW(−S_r) ⊡ GLWE adds.

    The external product formulas of :func:`crypto.noise.external_product_variance_terms`
    with the keys' fresh noise; the rounding and key terms, which the message multiplies,
    are × N/2 because the message is the binary polynomial S_r rather than a bit.
    """
    n_poly = np.asarray(polynomial_size, dtype=np.float64)
    terms = external_product_variance_terms(glwe_dimension, n_poly, *SCHEME_SWITCH_GADGET)
    return terms.main + terms.fft + (terms.decomposition + terms.key) * n_poly * _KEY_SQUARE


def ggsw_row_variances(
    blind_rotation_var: ArrayLike,
    glwe_dimension: ArrayLike,
    polynomial_size: ArrayLike,
    pfpks_base_log: ArrayLike,
    pfpks_level: ArrayLike,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-coefficient variances of one level of a circuit-bootstrapped GGSW.

    Returns (body row coefficient 0, body row other coefficients, each coefficient of a
    row r < k).
    """
    n_poly = np.asarray(polynomial_size, dtype=np.float64)
    rounding, key = packing_keyswitch_variances(
        glwe_dimension, n_poly, pfpks_base_log, pfpks_level
    )
    scalar = np.asarray(blind_rotation_var, dtype=np.float64) + rounding
    body_constant = scalar + key
    mask_row = scalar * _KEY_SQUARE + key * n_poly * _KEY_SQUARE
    mask_row = mask_row + scheme_switch_variance(glwe_dimension, n_poly)
    return body_constant, key, mask_row


def mean_ggsw_variance(
    blind_rotation_var: ArrayLike,
    glwe_dimension: ArrayLike,
    polynomial_size: ArrayLike,
    pfpks_base_log: ArrayLike,
    pfpks_level: ArrayLike,
) -> np.ndarray:
    """Mean over the (k+1)·N coefficients of a level's rows: what an external product's
    main term multiplies by l·(k+1)·N·(B²+2)/12."""
    k = np.asarray(glwe_dimension, dtype=np.float64)
    n_poly = np.asarray(polynomial_size, dtype=np.float64)
    body_constant, body_other, mask_row = ggsw_row_variances(
        blind_rotation_var, k, n_poly, pfpks_base_log, pfpks_level
    )
    total = body_constant + (n_poly - 1.0) * body_other + k * n_poly * mask_row
    return total / ((k + 1.0) * n_poly)


def ggsw_bootstrap_weight(glwe_dimension: ArrayLike, polynomial_size: ArrayLike) -> np.ndarray:
    """d mean_ggsw_variance / d σ²_BR: (1 + k·N/2)/((k+1)·N) (it is linear in σ²_BR)."""
    k = np.asarray(glwe_dimension, dtype=np.float64)
    n_poly = np.asarray(polynomial_size, dtype=np.float64)
    return (1.0 + k * n_poly * _KEY_SQUARE) / ((k + 1.0) * n_poly)


def vertical_packing_variance_from_ggsw(
    input_bit_width: ArrayLike,
    ggsw_variance: ArrayLike,
    glwe_dimension: ArrayLike,
    polynomial_size: ArrayLike,
    cb_base_log: ArrayLike,
    cb_level: ArrayLike,
) -> np.ndarray:
    """q external products along every path of the CMux tree + blind rotation, for the
    worst input.

    The decomposition-rounding terms of :func:`external_product_variance_terms` assume a
    selector with E[μ²] = ½ (Concrete's formula); in the kernel each product's rounding is
    multiplied by its own bit and the first product (on a trivial table) is exact, so an
    input whose bits 1…q−1 are all set gets (q−1) full roundings, not q halves (measured:
    ``tests/backend/tfhe/test_tfhe_wop_error_rate.py``). The optimizer promises p_error for
    every input, so the worst case is charged.
    """
    terms = external_product_variance_terms(
        glwe_dimension, polynomial_size, cb_base_log, cb_level, ggsw_variance
    )
    q = np.asarray(input_bit_width, dtype=np.float64)
    rounding = 2.0 * (terms.decomposition + terms.key)
    return q * (terms.main + terms.fft) + np.maximum(q - 1.0, 0.0) * rounding


def bit_p_error(variance: ArrayLike) -> np.ndarray:
    """Failure rate of a one-bit bootstrap whose input noise has this variance (bound 2**62)."""
    return p_error_from_variance(variance, 0)


def many_output_modulus_switch_variance(
    lwe_dimension: ArrayLike, polynomial_size: ArrayLike, slots: ArrayLike
) -> np.ndarray:
    """Extra modulus-switch noise of a bootstrap with L outputs (PBSmanyLUT): every word is
    rounded to 2N/L points instead of 2N, (L² − 1)/12·(1 + n/2)·(q/2N)² (0 for L = 1)."""
    n = np.asarray(lwe_dimension, dtype=np.float64)
    step = 2.0**64 / (2.0 * np.asarray(polynomial_size, dtype=np.float64))
    slots = np.asarray(slots, dtype=np.float64)
    return (slots * slots - 1.0) / 12.0 * (1.0 + n * _KEY_SQUARE) * step * step
