"""Cost model of TFHE operations (tfhe-notes §3.5), and its conversion to seconds.

The complexities are Concrete's CPU model (``concrete-optimizer/src/computing_cost``): a
count of elementary operations where an addition and a multiplication both count 1. They
only compare parameter sets with each other; :func:`predict_seconds` turns them into time
with rates measured on a machine (:class:`CostCalibration`). All functions broadcast over
NumPy arrays because the optimizer prices whole grids of candidates at once.

Check: Concrete's 4-bit set (n=822, k=2, N=1024, PBS 23/1, KS 5/3) costs
63,129,600 (PBS) + 10,118,346 (KS) = 73,247,946.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np
from numpy.typing import ArrayLike


def fft_complexity(polynomial_size: ArrayLike) -> np.ndarray:
    """One forward (or inverse) FFT of a degree-N polynomial: N·log2N + N."""
    n_poly = np.asarray(polynomial_size, dtype=np.float64)
    return n_poly * np.log2(n_poly) + n_poly


def cmux_complexity(
    glwe_dimension: ArrayLike, polynomial_size: ArrayLike, level: ArrayLike
) -> np.ndarray:
    """One CMux: (k+1)·l forward FFTs, (k+1) inverse FFTs, (k+1)²·l·N multiply-adds."""
    k1 = np.asarray(glwe_dimension, dtype=np.float64) + 1.0
    n_poly = np.asarray(polynomial_size, dtype=np.float64)
    lev = np.asarray(level, dtype=np.float64)
    fft = fft_complexity(n_poly)
    return k1 * lev * fft + k1 * fft + k1 * k1 * lev * n_poly


def pbs_complexity(
    lwe_dimension: ArrayLike,
    glwe_dimension: ArrayLike,
    polynomial_size: ArrayLike,
    level: ArrayLike,
) -> np.ndarray:
    """A programmable bootstrap is n CMuxes (the blind rotation dominates everything else)."""
    return np.asarray(lwe_dimension, dtype=np.float64) * cmux_complexity(
        glwe_dimension, polynomial_size, level
    )


def keyswitch_complexity(
    input_dimension: ArrayLike, output_dimension: ArrayLike, level: ArrayLike
) -> np.ndarray:
    """Keyswitch kN → n: kN·l digit extractions, kN·l·(n+1) multiplies, (kN·l−1)·(n+1)+1 adds."""
    d_in = np.asarray(input_dimension, dtype=np.float64)
    size_out = np.asarray(output_dimension, dtype=np.float64) + 1.0
    lev = np.asarray(level, dtype=np.float64)
    decompositions = d_in * lev
    return decompositions + decompositions * size_out + (decompositions - 1.0) * size_out + 1.0


def leveled_complexity(sum_size: ArrayLike, lwe_dimension: ArrayLike) -> np.ndarray:
    """Leveled (linear) ops: each of ``sum_size`` additions touches ``lwe_dimension`` words."""
    return np.asarray(sum_size, dtype=np.float64) * np.asarray(lwe_dimension, dtype=np.float64)


class CostKind(str, Enum):
    """Which operation a complexity counts; each has its own measured rate."""

    PBS = "pbs"
    KEYSWITCH = "ks"
    LEVELED = "leveled"


@dataclass(frozen=True, slots=True)
class CostCalibration:
    """Elementary operations per second, per kind of operation.

    Calibrated on this project's numba backend (``bench/tfhe_bench.py``, one thread, 2-vCPU
    Zen 4 VM, 2026-12-04, four-lane FFT, 32-bit keyswitching key): the 4-bit bootstrap
    (63,129,600 ops) took 8.9 ms and its keyswitch (10,118,346 ops) 1.06 ms, i.e. 7.1e9
    and 9.5e9 ops/s, the rates used here. The 6- and 8-bit sets measured 9.4e9 and 8.7e9
    (PBS) and 12e9 (KS), so they run up to 25 % faster than predicted; 2-bit lookups run at
    about 4.2e9 (PBS): their short steps are bound by streaming the key. Leveled ops are
    streaming u64 adds, ≈1e9 words/s from numpy. ``bench/circuit_bench.py`` checks these
    predictions against measured circuit runs.
    """

    pbs_ops_per_second: float = 7.1e9
    ks_ops_per_second: float = 9.5e9
    leveled_ops_per_second: float = 1.0e9

    def rate(self, kind: CostKind | str) -> float:
        kind = CostKind(kind)
        if kind is CostKind.PBS:
            return self.pbs_ops_per_second
        if kind is CostKind.KEYSWITCH:
            return self.ks_ops_per_second
        return self.leveled_ops_per_second


DEFAULT_CALIBRATION = CostCalibration()


def predict_seconds(
    complexity: ArrayLike,
    kind: CostKind | str,
    calibration: CostCalibration = DEFAULT_CALIBRATION,
) -> np.ndarray | float:
    """Predicted single-thread seconds for ``complexity`` operations of this ``kind``.

    ``kind`` is a :class:`CostKind` or its value (``"pbs"``, ``"ks"``, ``"leveled"``).
    """
    seconds = np.asarray(complexity, dtype=np.float64) / calibration.rate(kind)
    return float(seconds) if seconds.ndim == 0 else seconds
