"""TFHE noise formulas (tfhe-notes §3.4), as *modular* variances (units of the 2**64 modulus).

These are Concrete's formulas (``backends/concrete-cpu/noise-model``), written in modular
units instead of torus units: a torus variance times 2**128 is the modular variance, an
exact power-of-two scaling, so the numbers are the same as Concrete's. Every function takes
scalars or NumPy arrays and broadcasts, because the optimizer evaluates them over whole
grids of candidate parameters.

All secret keys are uniform binary: var(s) = E[s²] = 1/4 (modular units, times 2**-128
in torus units). Notation: n = small LWE dimension, k = GLWE dimension, N = polynomial
size, kN = big LWE dimension, (b, l) = decomposition base log and level, B = 2**b,
p = message bit width with Δ = 2**(63 - p).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

# The curve's constants live in security.py; we read them to evaluate the curve on arrays.
from .security import _FLOOR_LOG2_TORUS, _INTERCEPT, _SLOPE, MIN_SECURE_DIMENSION

CIPHERTEXT_MODULUS_LOG = 64
FFT_PRECISION = 53
_Q2 = 2.0 ** (2 * CIPHERTEXT_MODULUS_LOG)  # q², the torus→modular variance ratio
_FFT_SCALING_WEIGHT = -2.57722494  # Concrete's fitted constant (tfhe-notes §2.3)
_VAR_KEY = 0.25  # var(s) of a uniform binary key coefficient
_SQ_EXP_KEY = 0.25  # E[s]² = (1/2)², Concrete's "square expectation" term


# --------------------------------------------------------------------------- fresh noise
def fresh_variance(dimension: ArrayLike) -> np.ndarray:
    """Modular variance σ²_mod of a fresh encryption at this LWE dimension (kN for a GLWE).

    The noise is the smallest one that keeps 128-bit security (security.py); the
    optimizer never encrypts with more, because more noise only costs precision.
    Dimensions below the curve's minimum (450) have no secure noise: the variance is
    ``inf`` there, which makes every such candidate infeasible rather than an error.
    """
    d = np.asarray(dimension, dtype=np.float64)
    log2_torus = np.maximum(_SLOPE * d + _INTERCEPT, _FLOOR_LOG2_TORUS)
    variance = np.exp2(2.0 * (log2_torus + CIPHERTEXT_MODULUS_LOG))
    return np.where(d >= MIN_SECURE_DIMENSION, variance, np.inf)


# --------------------------------------------------------------------------- external product
@dataclass(frozen=True, slots=True)
class ExternalProductVariance:
    """The four terms of one external product / CMux, as modular variances.

    Kept apart because they answer different questions: ``main`` grows with the key noise
    and the base, ``decomposition`` with the rounding the gadget leaves out, ``key`` is
    a floor from the binary key, and ``fft`` is the f64 error of the Fourier product
    (tfhe-notes §2.3, conservative by up to 1.2 bits of σ).
    """

    main: np.ndarray
    decomposition: np.ndarray
    key: np.ndarray
    fft: np.ndarray

    @property
    def total(self) -> np.ndarray:
        return self.main + self.decomposition + self.key + self.fft


def external_product_variance_terms(
    glwe_dimension: ArrayLike,
    polynomial_size: ArrayLike,
    base_log: ArrayLike,
    level: ArrayLike,
    ggsw_variance: ArrayLike | None = None,
    fft_precision: int = FFT_PRECISION,
) -> ExternalProductVariance:
    """Noise added by one external product GGSW ⊡ GLWE (equivalently one CMux).

    ``ggsw_variance`` defaults to the fresh variance at kN, which is how the optimizer
    encrypts the bootstrapping key. Formulas (modular; q = 2**64, B = 2**b):

    * main: l·(k+1)·N·(B²+2)/12 · σ²_ggsw
    * decomposition: (q² − B^(2l))/(24·B^(2l)) · (1 + kN·(var(s)+E[s]²))
    * key: kN/8·var(s) + (1−kN)²/16·E[s]²
    * fft: 2**(−2.577)·2**(2·(64−53))·l·B²·N²·(k+1)
    """
    k = np.asarray(glwe_dimension, dtype=np.float64)
    n_poly = np.asarray(polynomial_size, dtype=np.float64)
    b = np.asarray(base_log, dtype=np.float64)
    lev = np.asarray(level, dtype=np.float64)
    kn = k * n_poly
    if ggsw_variance is None:
        ggsw_variance = fresh_variance(kn)
    base2 = np.exp2(2.0 * b)
    with np.errstate(over="ignore", invalid="ignore"):
        b2l = np.exp2(2.0 * b * lev)
        main = lev * (k + 1.0) * n_poly * (base2 + 2.0) / 12.0 * np.asarray(ggsw_variance)
        decomposition = (_Q2 - b2l) / (24.0 * b2l) * (1.0 + kn * (_VAR_KEY + _SQ_EXP_KEY))
    key = kn / 8.0 * _VAR_KEY + np.square(1.0 - kn) / 16.0 * _SQ_EXP_KEY
    lost_bits = CIPHERTEXT_MODULUS_LOG - fft_precision
    fft = (
        np.exp2(_FFT_SCALING_WEIGHT)
        * 2.0 ** (2 * lost_bits)
        * lev
        * base2
        * np.square(n_poly)
        * (k + 1.0)
    )
    return ExternalProductVariance(main, decomposition, key, fft)


def cmux_variance(
    glwe_dimension: ArrayLike,
    polynomial_size: ArrayLike,
    base_log: ArrayLike,
    level: ArrayLike,
    ggsw_variance: ArrayLike | None = None,
) -> np.ndarray:
    """Total modular variance added by one CMux (= one external product)."""
    return external_product_variance_terms(
        glwe_dimension, polynomial_size, base_log, level, ggsw_variance
    ).total


def blind_rotation_variance(
    lwe_dimension: ArrayLike,
    glwe_dimension: ArrayLike,
    polynomial_size: ArrayLike,
    base_log: ArrayLike,
    level: ArrayLike,
) -> np.ndarray:
    """σ²_BR = n·σ²_cmux: the noise of a PBS output (sample extraction adds none)."""
    return np.asarray(lwe_dimension, dtype=np.float64) * cmux_variance(
        glwe_dimension, polynomial_size, base_log, level
    )


# --------------------------------------------------------------------------- keyswitch
def keyswitch_variance_one_bit(
    output_dimension: ArrayLike, base_log: ArrayLike, level: ArrayLike
) -> np.ndarray:
    """Keyswitch noise of one input key bit; the KSK is encrypted at ``output_dimension``.

    (q²/(12·B^(2l)) − 1/12)·(var(s)+E[s]²) + var(s)/4 + l·σ²_ksk·(B²+2)/12, with
    σ²_ksk = fresh_variance(n). Kept per bit because the optimizer's KS Pareto lists
    depend only on n, and are scaled by the input dimension kN afterwards.
    """
    b = np.asarray(base_log, dtype=np.float64)
    lev = np.asarray(level, dtype=np.float64)
    ksk_variance = fresh_variance(output_dimension)
    with np.errstate(over="ignore", invalid="ignore"):
        b2l = np.exp2(2.0 * b * lev)
        decomposition = (_Q2 / (12.0 * b2l) - 1.0 / 12.0) * (_VAR_KEY + _SQ_EXP_KEY)
    return decomposition + _VAR_KEY / 4.0 + lev * ksk_variance * (np.exp2(2.0 * b) + 2.0) / 12.0


def keyswitch_variance(
    input_dimension: ArrayLike, output_dimension: ArrayLike, base_log: ArrayLike, level: ArrayLike
) -> np.ndarray:
    """σ²_KS of a keyswitch kN → n: ``input_dimension`` × the one-bit noise."""
    return np.asarray(input_dimension, dtype=np.float64) * keyswitch_variance_one_bit(
        output_dimension, base_log, level
    )


# --------------------------------------------------------------------------- modulus switch
def modulus_switch_variance(lwe_dimension: ArrayLike, polynomial_size: ArrayLike) -> np.ndarray:
    """σ²_MS of the rounding to Z_{2N} before the blind rotation (binary key).

    (1/12 + n/24)/(2N)² in torus units, plus n/48 − 1/12 in modular units. It does not
    depend on the decompositions, so the optimizer uses it to cut (N, n) early.
    """
    n = np.asarray(lwe_dimension, dtype=np.float64)
    two_n = 2.0 * np.asarray(polynomial_size, dtype=np.float64)
    return (1.0 / 12.0 + n / 24.0) / np.square(two_n) * _Q2 + (n / 48.0 - 1.0 / 12.0)


# --------------------------------------------------------------------------- composition
def pre_pbs_variance(
    input_variance: ArrayLike,
    norm2: ArrayLike,
    keyswitch_var: ArrayLike,
    modulus_switch_var: ArrayLike,
) -> np.ndarray:
    """Variance at the input of a PBS, just after the modulus switch: σ²_in·w² + σ²_KS + σ²_MS.

    ``input_variance`` is the fresh variance at kN for a client input, or σ²_BR when the
    value comes out of an earlier PBS (tfhe-notes pitfall §5.8); ``norm2`` is the 2-norm
    √Σw² of the linear combination in between.
    """
    w = np.asarray(norm2, dtype=np.float64)
    return np.asarray(input_variance) * w * w + keyswitch_var + modulus_switch_var


# --------------------------------------------------------------------------- error probability
# erfc and its inverse from the standard library (scipy is not a dependency of this layer);
# the optimizer only evaluates them on a few dozen values per call.
_ERFC = np.frompyfunc(math.erfc, 1, 1)


def erfc(x: ArrayLike) -> np.ndarray:
    """The complementary error function, elementwise."""
    return np.asarray(_ERFC(np.asarray(x, dtype=np.float64)), dtype=np.float64)


def _erfcinv_scalar(y: float) -> float:
    """x with erfc(x) = y for y in (0, 2): Newton on log erfc, exact to a few ulps."""
    if not 0.0 < y < 2.0:
        return math.nan if not 0.0 <= y <= 2.0 else (math.inf if y == 0.0 else -math.inf)
    if y > 1.0:
        return -_erfcinv_scalar(2.0 - y)
    target = math.log(y)
    x = math.sqrt(-target) if y < 0.5 else 0.5 * (1.0 - y) * math.sqrt(math.pi)
    for _ in range(100):
        value = math.erfc(x)
        # d/dx log erfc(x) = −(2/√π)·exp(−x²)/erfc(x); log erfc is concave, Newton converges.
        step = (math.log(value) - target) / (-2.0 / math.sqrt(math.pi) * math.exp(-x * x) / value)
        x -= step
        if abs(step) <= 1e-15 * max(1.0, abs(x)):
            break
    return x


_ERFCINV = np.frompyfunc(_erfcinv_scalar, 1, 1)


def erfcinv(y: ArrayLike) -> np.ndarray:
    """The inverse of :func:`erfc`, elementwise."""
    return np.asarray(_ERFCINV(np.asarray(y, dtype=np.float64)), dtype=np.float64)


def kappa(p_error: ArrayLike) -> np.ndarray:
    """κ = √2·erfcinv(p_error): how many σ fit in the decoding half-interval."""
    return np.sqrt(2.0) * erfcinv(np.asarray(p_error, dtype=np.float64))


def p_error_from_variance(variance: ArrayLike, message_bit_width: ArrayLike) -> np.ndarray:
    """Probability that decoding at precision p fails: erfc(2**(62−p)/(√2·σ_mod)).

    Decoding fails when the noise reaches Δ/2 = 2**(62−p); Concrete calls this bound
    "2 padding bits" (the padding bit plus half a step of rounding room).
    """
    half_step = np.exp2(62.0 - np.asarray(message_bit_width, dtype=np.float64))
    with np.errstate(divide="ignore"):
        return erfc(half_step / (np.sqrt(2.0) * np.sqrt(np.asarray(variance, dtype=np.float64))))


def max_variance_for_p_error(p_error: ArrayLike, message_bit_width: ArrayLike) -> np.ndarray:
    """The largest modular variance whose decoding failure rate is at most ``p_error``.

    σ_max = 2**(62−p)/κ, the inverse of :func:`p_error_from_variance`.
    """
    half_step = np.exp2(62.0 - np.asarray(message_bit_width, dtype=np.float64))
    return np.square(half_step / kappa(p_error))


def global_p_error(p_error: ArrayLike, count: ArrayLike) -> np.ndarray:
    """1 − (1−p)**count, the chance that at least one of ``count`` independent ops fails.

    Written with log1p/expm1 so that tiny p (2**-64) and huge counts stay accurate.
    """
    p = np.asarray(p_error, dtype=np.float64)
    return -np.expm1(np.asarray(count, dtype=np.float64) * np.log1p(-p))


def per_op_p_error(global_error: ArrayLike, count: ArrayLike) -> np.ndarray:
    """The per-op p that gives ``global_error`` over ``count`` ops: 1 − (1−global)**(1/count)."""
    g = np.asarray(global_error, dtype=np.float64)
    return -np.expm1(np.log1p(-g) / np.asarray(count, dtype=np.float64))


def log2_std(variance: ArrayLike) -> np.ndarray:
    """log2 σ of a variance: the unit tfhe-notes tables use."""
    with np.errstate(divide="ignore"):
        return 0.5 * np.log2(np.asarray(variance, dtype=np.float64))
