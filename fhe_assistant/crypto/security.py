"""The 128-bit security curve for binary keys and q = 2**64 (tfhe-notes §3.3).

Source: Concrete's ``tools/parameter-curves`` (fitted June 2024 with the
lattice-estimator, MATZOV cost model). For an LWE dimension ``n`` (use ``k*N`` for a
GLWE), the smallest Gaussian noise that keeps 128 bits of security is

    log2 σ_torus(n) = max(-0.025696778711484593 * n + 2.675931372549016, -62)

for ``n >= 450``; there is no secure noise below that dimension. Noise is never
chosen below the curve: smaller is insecure, larger only costs precision.
"""
from __future__ import annotations

SECURITY_BITS = 128
MIN_SECURE_DIMENSION = 450
_SLOPE = -0.025696778711484593
_INTERCEPT = 2.675931372549016
_FLOOR_LOG2_TORUS = -62.0


def noise_std_log2_torus(dimension: int) -> float:
    """log2 of the minimal secure σ in torus units for an LWE of this dimension."""
    if dimension < MIN_SECURE_DIMENSION:
        raise ValueError(
            f"LWE dimension {dimension} is below {MIN_SECURE_DIMENSION}: no noise gives "
            f"{SECURITY_BITS}-bit security there"
        )
    return max(_SLOPE * dimension + _INTERCEPT, _FLOOR_LOG2_TORUS)


def noise_std_log2_mod(dimension: int) -> float:
    """log2 of the minimal secure σ in units of the 2**64 modulus (σ_mod = σ_torus · 2**64)."""
    return 64.0 + noise_std_log2_torus(dimension)


def noise_std_mod(dimension: int) -> float:
    """σ_mod as a float, for samplers."""
    return 2.0 ** noise_std_log2_mod(dimension)
