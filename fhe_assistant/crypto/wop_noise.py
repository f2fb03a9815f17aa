"""Noise of the WoP-PBS (ePrint 2022/704), in the modular units of :mod:`crypto.noise`.

A q-bit WoP lookup on a value encoded with Δ = 2**(63 − p) (one padding bit) runs:

1. **Bit extraction** (q keyswitches, q − 1 bootstraps). For bit i = 0, 1, …, q − 1 (from
   the least significant): shift the big-key ciphertext left by p − i so that bit i lands
   on the most significant bit, keyswitch it to the small key (this small-key LWE is the
   bit's output), then, except for the last bit, bootstrap it into ±2**(62 − p + i) and
   subtract that from the big-key ciphertext so the next bit becomes the lowest. The noise
   of bit i's output, before the bootstrap's modulus switch, is
   ``(σ²_in + i·σ²_BR)·4**(p − i) + σ²_KS`` (:func:`extracted_bit_variance`): the input
   noise and the i subtracted bootstrap outputs, scaled by the shift, plus the keyswitch.
   The keyswitch and modulus-switch noise are *not* scaled by 4**p, which is why a
   16-bit lookup fits a 1024-coefficient polynomial.
2. **Circuit bootstrap** of each bit into a GGSW of the bit under the GLWE key S, level
   j = 1 … ``cb_level`` (gadget g_j = 2**(64 − j·b_cb)): a bootstrap gives an LWE (big key)
   of μ·g_j; an *identity* packing keyswitch (one key, gadget ``pfpks_*``) turns it into the
   body row, a GLWE of the constant polynomial μ·g_j; k external products with
   GGSW(−S_r) (the "scheme switch" of ePrint 2024/323, gadget :data:`SCHEME_SWITCH_GADGET`)
   give the rows r < k, phase −S_r·μ·g_j. That is what ``backend/tfhe`` implements instead
   of Concrete's k + 1 *private* functional packing keyswitches (one packing key instead
   of k + 1). The bootstrap of a bit (here and in step 1) decodes correctly when the noise
   at its input, after the modulus switch, stays below q/4 = 2**62: :func:`bit_p_error`.
   Row noise (:func:`ggsw_row_variances`): the body row has the bootstrap noise and the
   packing rounding on its constant coefficient and the packing keys' noise on every
   coefficient; a row r < k has all of it multiplied by the binary polynomial S_r (a
   constant times S_r: × 1/2 per coefficient; a full polynomial: × N/2) plus the scheme
   switch's own external-product noise.
3. **Vertical packing**: a CMux tree over the high bits and a blind rotation over the low
   ``log2 N`` bits: every path is q external products with those GGSWs, so the output
   variance is q × one external product (:func:`vertical_packing_variance`); the table
   itself is a trivial (noise-free) GLWE.

:func:`wop_lookup_p_error` is the probability that one lookup is wrong: that some bit's
bootstrap input leaves its half interval (1 − Π(1 − p_i), an upper bound since a
wrong bit is not always a wrong result). The output noise is checked where the output is
read (the next lookup's input, or a decryption at p bits), as for a native bootstrap.

Concrete's optimizer (``optimization/wop_atomic_pattern``, with CRT blocks) uses the same
bit-extraction, bootstrap and external-product formulas (``crypto/noise.py``); its private
packing keyswitch (``private_packing_keyswitch.rs``) is :func:`private_packing_keyswitch_variance`
here, kept to compare with Concrete's rows.

For measurements (wopk's kernel tests) compare against :func:`extracted_bit_variance`
(small-key output of bit i, before any modulus switch), :func:`circuit_bootstrap_row_variances`
(per-coefficient variance of a circuit-bootstrapped GGSW's rows), :func:`vertical_packing_variance`
(the lookup's output) and :func:`wop_lookup_p_error` (observed error rates);
:func:`wop_noise_report` gathers them for one parameter set.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .noise import (
    _Q2,
    _SQ_EXP_KEY,
    _VAR_KEY,
    blind_rotation_variance,
    external_product_variance_terms,
    fresh_variance,
    keyswitch_variance,
    log2_std,
    modulus_switch_variance,
    p_error_from_variance,
)
from .wop_parameters import WopParameters

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


#: (base_log, level) of the scheme-switching GGSW(−S_r) keys (fixed: 0.6 MB, ~2 % of a lookup)
SCHEME_SWITCH_GADGET = (11, 4)


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


def cmux_tree_external_product_variance(
    ggsw_variance: ArrayLike,
    glwe_dimension: ArrayLike,
    polynomial_size: ArrayLike,
    cb_base_log: ArrayLike,
    cb_level: ArrayLike,
) -> np.ndarray:
    """Noise one CMux of the vertical packing adds (external product with a CB GGSW)."""
    return external_product_variance_terms(
        glwe_dimension, polynomial_size, cb_base_log, cb_level, ggsw_variance
    ).total


def vertical_packing_variance_from_ggsw(
    input_bit_width: ArrayLike,
    ggsw_variance: ArrayLike,
    glwe_dimension: ArrayLike,
    polynomial_size: ArrayLike,
    cb_base_log: ArrayLike,
    cb_level: ArrayLike,
) -> np.ndarray:
    """q external products along every path of the CMux tree + blind rotation."""
    one = cmux_tree_external_product_variance(
        ggsw_variance, glwe_dimension, polynomial_size, cb_base_log, cb_level
    )
    return np.asarray(input_bit_width, dtype=np.float64) * one


# --------------------------------------------------------------------------- one parameter set
def pbs_variance(params: WopParameters) -> float:
    """σ²_BR of the bit-extraction and circuit-bootstrap bootstraps (the shared BSK)."""
    return float(
        blind_rotation_variance(
            params.lwe_dimension,
            params.glwe_dimension,
            params.polynomial_size,
            params.decomposition_base_log,
            params.decomposition_level_count,
        )
    )


def _keyswitch_variance(params: WopParameters) -> float:
    return float(
        keyswitch_variance(
            params.big_lwe_dimension,
            params.lwe_dimension,
            params.ks_decomposition_base_log,
            params.ks_decomposition_level_count,
        )
    )


def _modulus_switch_variance(params: WopParameters) -> float:
    return float(modulus_switch_variance(params.lwe_dimension, params.polynomial_size))


def extracted_bit_variance(
    params: WopParameters, input_variance: float, bit_index: ArrayLike
) -> np.ndarray:
    """Variance of bit ``bit_index``'s small-key output (bit on the MSB, before any MS).

    ``(σ²_in + i·σ²_BR)·4**(p − i) + σ²_KS`` with p = ``params.message_bit_width``.
    """
    i = np.asarray(bit_index, dtype=np.float64)
    shift = params.message_bit_width - i
    accumulated = input_variance + i * pbs_variance(params)
    return accumulated * np.exp2(2.0 * shift) + _keyswitch_variance(params)


def bit_bootstrap_input_variances(
    params: WopParameters, input_variance: float, input_bit_width: int
) -> np.ndarray:
    """Variance at the input of each bit's bootstraps, after the modulus switch (q values)."""
    bits = np.arange(input_bit_width)
    return extracted_bit_variance(params, input_variance, bits) + _modulus_switch_variance(params)


def bit_p_error(variance: ArrayLike) -> np.ndarray:
    """Failure rate of a one-bit bootstrap whose input noise has this variance (bound 2**62)."""
    return p_error_from_variance(variance, 0)


def wop_lookup_p_error(
    params: WopParameters, input_bit_width: int, input_variance: float | None = None
) -> float:
    """Probability that one q-bit WoP lookup is wrong: 1 − Π_i (1 − p_i) over its bits.

    ``input_variance`` defaults to a fresh encryption under the big key.
    """
    if input_variance is None:
        input_variance = float(fresh_variance(params.big_lwe_dimension))
    p_bits = bit_p_error(bit_bootstrap_input_variances(params, input_variance, input_bit_width))
    return max(0.0, float(-np.expm1(np.sum(np.log1p(-p_bits)))))


def circuit_bootstrap_row_variances(params: WopParameters) -> tuple[float, float, float]:
    """(body row coefficient 0, body row other coefficients, rows r < k) of a CB GGSW."""
    rows = ggsw_row_variances(
        pbs_variance(params),
        params.glwe_dimension,
        params.polynomial_size,
        params.pfpks_base_log,
        params.pfpks_level,
    )
    return tuple(float(v) for v in rows)


def vertical_packing_variance(params: WopParameters, input_bit_width: int) -> float:
    """Variance of a q-bit WoP lookup's output (big-key LWE), whatever its input noise."""
    ggsw = mean_ggsw_variance(
        pbs_variance(params),
        params.glwe_dimension,
        params.polynomial_size,
        params.pfpks_base_log,
        params.pfpks_level,
    )
    return float(
        vertical_packing_variance_from_ggsw(
            input_bit_width,
            ggsw,
            params.glwe_dimension,
            params.polynomial_size,
            params.cb_base_log,
            params.cb_level,
        )
    )


@dataclass(frozen=True, slots=True)
class WopNoiseReport:
    """log2 σ (modular) of each step of one q-bit lookup, for views and measurements."""

    input_bit_width: int
    fresh: float
    keyswitch: float
    modulus_switch: float
    blind_rotation: float
    extracted_bits: tuple[float, ...]  # bit i's small-key output, i = 0 … q − 1
    worst_bit_bootstrap_input: float  # after the modulus switch; bound 2**62/κ
    ggsw_body_row: float  # its constant coefficient
    ggsw_mask_row: float  # rows r < k, every coefficient
    output: float  # vertical packing
    p_error: float  # one lookup, fresh input


def wop_noise_report(
    params: WopParameters, input_bit_width: int, input_variance: float | None = None
) -> WopNoiseReport:
    """Every modelled variance of one lookup of ``input_bit_width`` bits under ``params``."""
    fresh = float(fresh_variance(params.big_lwe_dimension))
    source = fresh if input_variance is None else input_variance
    bits = extracted_bit_variance(params, source, np.arange(input_bit_width))
    body_constant, _, mask_row = circuit_bootstrap_row_variances(params)
    return WopNoiseReport(
        input_bit_width=input_bit_width,
        fresh=float(log2_std(fresh)),
        keyswitch=float(log2_std(_keyswitch_variance(params))),
        modulus_switch=float(log2_std(_modulus_switch_variance(params))),
        blind_rotation=float(log2_std(pbs_variance(params))),
        extracted_bits=tuple(float(v) for v in log2_std(bits)),
        worst_bit_bootstrap_input=float(
            log2_std(bits.max() + _modulus_switch_variance(params))
        ),
        ggsw_body_row=float(log2_std(body_constant)),
        ggsw_mask_row=float(log2_std(mask_row)),
        output=float(log2_std(vertical_packing_variance(params, input_bit_width))),
        p_error=wop_lookup_p_error(params, input_bit_width, source),
    )
