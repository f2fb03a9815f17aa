"""Cost and key sizes of a WoP-PBS lookup, in the complexity units of :mod:`crypto.cost`.

One lookup of q input bits (ePrint 2022/704; counts as Concrete's ``estimate_complexity``
in ``wop_atomic_pattern/optimize.rs`` for one block, except that the circuit bootstrap
reads the bit extraction's keyswitched outputs, so it runs no keyswitch of its own):

* bit extraction: q keyswitches kN → n and q − 1 bootstraps;
* circuit bootstrap: q·l_cb bootstraps (with ``FUSED_BIT_BOOTSTRAPS`` a bit's bootstraps
  are one many-output bootstrap: q in all for both steps), q·l_cb identity packing
  keyswitches (kN inputs × l_pp digits, each a multiply-add of a (k+1)·N GLWE) and
  q·l_cb·k scheme-switch external products (:mod:`crypto.wop_noise`; Concrete runs (k+1) private packing keyswitches instead);
* vertical packing: q·(k+1)²·l_cb forward FFTs (the GGSWs to the Fourier domain), then
  for each of the D output digits a CMux tree of 2**(q − log2 N) − 1 CMuxes when the
  table needs more than one polynomial, and a blind rotation of min(q, log2 N) CMuxes;
* digit bootstraps: D keyswitches and D bootstraps (D = ⌈(p_out + 1)/3⌉, 5 at 12 bits).

Bootstraps, FFTs and CMuxes are priced at the bootstrap rate, keyswitches and packing
keyswitches at the keyswitch rate (:class:`crypto.cost.CostCalibration`), so
:func:`wop_lookup_seconds` is comparable with a native lookup's predicted seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .cost import (
    DEFAULT_CALIBRATION,
    CostCalibration,
    cmux_complexity,
    fft_complexity,
    keyswitch_complexity,
    pbs_complexity,
)
from .wop_parameters import (
    SCHEME_SWITCH_GADGET,
    WopParameters,
    bit_bootstraps_fused,
    output_digit_count,
)


@dataclass(frozen=True, slots=True)
class WopStepCounts:
    """How many of each operation one q-bit lookup runs (for statistics and costs)."""

    keyswitches: int
    bootstraps: int
    packing_keyswitches: int
    scheme_switches: int  # external products with the GGSW(−S_r) keys
    ggsw_ffts: int  # forward FFTs of the circuit-bootstrapped GGSWs
    cmuxes: int  # CMux tree + blind rotation of the vertical packing


def step_counts(
    input_bit_width: int, glwe_dimension: int, polynomial_size: int, cb_level: int,
    digits: int, fused: bool | None = None,
) -> WopStepCounts:
    """The operation counts of one lookup of ``input_bit_width`` bits and D ``digits``
    (``fused``: one many-output bootstrap per bit, default ``FUSED_BIT_BOOTSTRAPS``)."""
    fused = bit_bootstraps_fused(fused)
    q = int(input_bit_width)
    log_n = int(polynomial_size).bit_length() - 1
    tree = 2 ** (q - log_n) - 1 if q > log_n else 0
    return WopStepCounts(
        keyswitches=q + digits,
        bootstraps=(q if fused else q - 1 + q * cb_level) + digits,
        packing_keyswitches=q * cb_level,
        scheme_switches=q * cb_level * glwe_dimension,
        ggsw_ffts=q * (glwe_dimension + 1) ** 2 * cb_level,
        cmuxes=digits * (tree + min(q, log_n)),
    )


def packing_keyswitch_complexity(
    glwe_dimension: ArrayLike, polynomial_size: ArrayLike, level: ArrayLike
) -> np.ndarray:
    """One identity packing keyswitch: a kN → (k+1)·N keyswitch's operations."""
    k = np.asarray(glwe_dimension, dtype=np.float64)
    n_poly = np.asarray(polynomial_size, dtype=np.float64)
    return keyswitch_complexity(k * n_poly, (k + 1.0) * n_poly - 1.0, level)


@dataclass(frozen=True, slots=True)
class WopComplexity:
    """Complexities of one lookup, split by the rate they run at."""

    bootstrap_like: float  # bootstraps, scheme switches, GGSW FFTs, CMuxes
    keyswitch_like: float  # keyswitches, packing keyswitches

    @property
    def total(self) -> float:
        return self.bootstrap_like + self.keyswitch_like

    def seconds(self, calibration: CostCalibration = DEFAULT_CALIBRATION) -> float:
        return (
            self.bootstrap_like / calibration.pbs_ops_per_second
            + self.keyswitch_like / calibration.ks_ops_per_second
        )


def wop_lookup_complexity(params: WopParameters, input_bit_width: int,
                          output_bit_width: int | None = None) -> WopComplexity:
    """The cost-model complexity of one lookup of ``input_bit_width`` bits under ``params``
    (``output_bit_width`` defaults to ``params.message_bit_width``)."""
    k, size = params.glwe_dimension, params.polynomial_size
    width = params.message_bit_width if output_bit_width is None else output_bit_width
    counts = step_counts(input_bit_width, k, size, params.cb_level, output_digit_count(width))
    pbs = float(pbs_complexity(params.lwe_dimension, k, size, params.decomposition_level_count))
    ks = float(
        keyswitch_complexity(
            params.big_lwe_dimension, params.lwe_dimension, params.ks_decomposition_level_count
        )
    )
    pp = float(packing_keyswitch_complexity(k, size, params.pfpks_level))
    bootstrap_like = (
        counts.bootstraps * pbs
        + counts.scheme_switches * float(cmux_complexity(k, size, SCHEME_SWITCH_GADGET[1]))
        + counts.ggsw_ffts * float(fft_complexity(size))
        + counts.cmuxes * float(cmux_complexity(k, size, params.cb_level))
    )
    keyswitch_like = counts.keyswitches * ks + counts.packing_keyswitches * pp
    return WopComplexity(bootstrap_like, keyswitch_like)


def wop_lookup_seconds(
    params: WopParameters,
    input_bit_width: int,
    calibration: CostCalibration = DEFAULT_CALIBRATION,
    output_bit_width: int | None = None,
) -> float:
    """Predicted single-thread seconds of one lookup (one ciphertext)."""
    return wop_lookup_complexity(params, input_bit_width, output_bit_width).seconds(calibration)


def wop_key_sizes(params: WopParameters) -> dict[str, int]:
    """Bytes of each evaluation key as the backend holds them, and the total.

    Fourier bootstrapping key (complex128, N/2 per polynomial), 32-bit keyswitching key (as
    ``backend/key_sets.py`` counts them), the identity packing keyswitch key (kN, l_pp,
    k+1, N) uint64 and the k Fourier scheme-switch GGSWs; the names are the backend's.
    """
    n, k, size = params.lwe_dimension, params.glwe_dimension, params.polynomial_size
    big = k * size
    sizes = {
        "bootstrap_key_fourier": 8 * n * params.decomposition_level_count * (k + 1) ** 2 * size,
        "keyswitch_key": 4 * big * params.ks_decomposition_level_count * (n + 1),
        "packing_keyswitch_key": 8 * big * params.pfpks_level * (k + 1) * size,
        "scheme_switch_key_fourier": 8 * k * (k + 1) ** 2 * SCHEME_SWITCH_GADGET[1] * size,
    }
    sizes["evaluation_keys"] = sum(sizes.values())
    return sizes


def native_key_bytes(
    lwe_dimension: int, glwe_dimension: int, polynomial_size: int, pbs_level: int, ks_level: int
) -> int:
    """Bytes of a native KS-PBS key pair as the backend holds them (same units as above)."""
    k, size = glwe_dimension, polynomial_size
    return (
        8 * lwe_dimension * pbs_level * (k + 1) ** 2 * size
        + 4 * k * size * ks_level * (lwe_dimension + 1)
    )
