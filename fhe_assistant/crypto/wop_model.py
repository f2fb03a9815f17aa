"""The noise of one WoP-PBS lookup under one parameter set: each step's variance, the
failure probability, the output noise (step formulas: :mod:`crypto.wop_noise`).

These are the numbers the kernel tests compare their measurements with (modular units of
2**64, as :mod:`crypto.noise`):

* :func:`extracted_bit_variance`: bit i's small-key output of the bit extraction, on the
  MSB, before any modulus switch;
* :func:`circuit_bootstrap_row_variances`: per-coefficient variances of a
  circuit-bootstrapped GGSW's rows (body row coefficient 0, its other coefficients, the
  rows r < k);
* :func:`vertical_packing_variance`: a digit LWE out of the vertical packing;
* :func:`wop_output_variance`: the lookup's output (D digit bootstraps summed);
* :func:`wop_lookup_p_error`: the probability that one lookup is wrong (observed error
  rates), and :func:`wop_noise_report` for all of them at once.

A lookup fails when a bit's bootstraps misread it (input noise beyond 2**62 after the
modulus switch) or a digit's bootstrap misreads the digit (beyond 2**(62 − w)):
1 − Π(1 − p_bit)·Π(1 − p_digit), an upper bound on the lookup's error rate since a wrong
bit does not always change the table's value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .noise import (
    blind_rotation_variance,
    fresh_variance,
    keyswitch_variance,
    log2_std,
    modulus_switch_variance,
    p_error_from_variance,
)
from .wop_noise import (
    bit_p_error,
    ggsw_row_variances,
    many_output_modulus_switch_variance,
    mean_ggsw_variance,
    vertical_packing_variance_from_ggsw,
)
from .wop_parameters import (
    OUTPUT_DIGIT_BITS,
    WopParameters,
    bit_bootstrap_slots,
    output_digit_count,
)


def pbs_variance(params: WopParameters) -> float:
    """σ²_BR of every bootstrap of the lookup (bits, circuit bootstrap, digits: one BSK)."""
    return float(blind_rotation_variance(
        params.lwe_dimension, params.glwe_dimension, params.polynomial_size,
        params.decomposition_base_log, params.decomposition_level_count))


def keyswitch_noise(params: WopParameters) -> float:
    """σ²_KS of the keyswitch kN → n."""
    return float(keyswitch_variance(
        params.big_lwe_dimension, params.lwe_dimension, params.ks_decomposition_base_log,
        params.ks_decomposition_level_count))


def modulus_switch_noise(params: WopParameters) -> float:
    return float(modulus_switch_variance(params.lwe_dimension, params.polynomial_size))


def extracted_bit_variance(params: WopParameters, input_variance: float, bit_index):
    """``(σ²_in + i·σ²_BR)·4**(p − i) + σ²_KS``, p = ``params.message_bit_width``."""
    i = np.asarray(bit_index, dtype=np.float64)
    accumulated = input_variance + i * pbs_variance(params)
    return accumulated * np.exp2(2.0 * (params.message_bit_width - i)) + keyswitch_noise(params)


def bit_bootstrap_input_variances(params: WopParameters, input_variance: float,
                                  input_bit_width: int) -> np.ndarray:
    """Variance at the input of each bit's bootstraps, after the modulus switch (q values)."""
    bits = np.arange(input_bit_width)
    slots = bit_bootstrap_slots(params.cb_level)
    many = float(many_output_modulus_switch_variance(params.lwe_dimension,
                                                     params.polynomial_size, slots))
    return extracted_bit_variance(params, input_variance, bits) + modulus_switch_noise(params) + many


def circuit_bootstrap_row_variances(params: WopParameters) -> tuple[float, float, float]:
    """(body row coefficient 0, body row other coefficients, rows r < k) of a CB GGSW."""
    rows = ggsw_row_variances(pbs_variance(params), params.glwe_dimension,
                              params.polynomial_size, params.pfpks_base_log, params.pfpks_level)
    return tuple(float(v) for v in rows)


def vertical_packing_variance(params: WopParameters, input_bit_width: int) -> float:
    """Variance of a digit LWE (big key) out of the vertical packing of a q-bit lookup."""
    ggsw = mean_ggsw_variance(pbs_variance(params), params.glwe_dimension,
                              params.polynomial_size, params.pfpks_base_log, params.pfpks_level)
    return float(vertical_packing_variance_from_ggsw(
        input_bit_width, ggsw, params.glwe_dimension, params.polynomial_size,
        params.cb_base_log, params.cb_level))


def digit_bootstrap_input_variance(params: WopParameters, input_bit_width: int) -> float:
    """A digit's noise at its bootstrap's input: packing + keyswitch + modulus switch."""
    return (vertical_packing_variance(params, input_bit_width) + keyswitch_noise(params)
            + modulus_switch_noise(params))


def wop_output_variance(params: WopParameters, output_bit_width: int | None = None) -> float:
    """The lookup output's variance: D digit bootstraps, D = ⌈(p_out + 1)/w⌉ (p_out defaults
    to ``params.message_bit_width``); it does not depend on the input width."""
    width = params.message_bit_width if output_bit_width is None else output_bit_width
    return output_digit_count(width) * pbs_variance(params)


def wop_lookup_p_error(params: WopParameters, input_bit_width: int,
                       input_variance: float | None = None,
                       output_bit_width: int | None = None) -> float:
    """Probability that one q-bit WoP lookup is wrong (module docstring).

    ``input_variance`` defaults to a fresh encryption under the big key; ``output_bit_width``
    (default ``params.message_bit_width``) sets the number of digits.
    """
    if input_variance is None:
        input_variance = float(fresh_variance(params.big_lwe_dimension))
    width = params.message_bit_width if output_bit_width is None else output_bit_width
    p_bits = bit_p_error(bit_bootstrap_input_variances(params, input_variance, input_bit_width))
    p_digit = float(p_error_from_variance(
        digit_bootstrap_input_variance(params, input_bit_width), OUTPUT_DIGIT_BITS))
    log_ok = np.sum(np.log1p(-p_bits)) + output_digit_count(width) * np.log1p(-p_digit)
    return max(0.0, float(-np.expm1(log_ok)))


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
    vertical_packing: float  # one digit LWE
    digit_bootstrap_input: float  # bound 2**(62 − w)/κ
    output: float  # D digit bootstraps summed
    p_error: float  # one lookup


def wop_noise_report(params: WopParameters, input_bit_width: int,
                     input_variance: float | None = None) -> WopNoiseReport:
    """Every modelled variance of one lookup of ``input_bit_width`` bits under ``params``."""
    fresh = float(fresh_variance(params.big_lwe_dimension))
    source = fresh if input_variance is None else input_variance
    bits = extracted_bit_variance(params, source, np.arange(input_bit_width))
    body_constant, _, mask_row = circuit_bootstrap_row_variances(params)
    return WopNoiseReport(
        input_bit_width=input_bit_width,
        fresh=float(log2_std(fresh)),
        keyswitch=float(log2_std(keyswitch_noise(params))),
        modulus_switch=float(log2_std(modulus_switch_noise(params))),
        blind_rotation=float(log2_std(pbs_variance(params))),
        extracted_bits=tuple(float(v) for v in log2_std(bits)),
        worst_bit_bootstrap_input=float(log2_std(bit_bootstrap_input_variances(
            params, source, input_bit_width).max())),
        ggsw_body_row=float(log2_std(body_constant)),
        ggsw_mask_row=float(log2_std(mask_row)),
        vertical_packing=float(log2_std(vertical_packing_variance(params, input_bit_width))),
        digit_bootstrap_input=float(log2_std(
            digit_bootstrap_input_variance(params, input_bit_width))),
        output=float(log2_std(wop_output_variance(params))),
        p_error=wop_lookup_p_error(params, input_bit_width, source),
    )
