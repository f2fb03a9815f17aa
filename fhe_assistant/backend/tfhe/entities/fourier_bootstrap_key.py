"""The Fourier bootstrapping key: float64 (n, k+1, (k+1)·l, 2, N/2) (tfhe-notes §1.5, §2.4).

BSK_i = GGSW_S(s_i) for each bit s_i of the small LWE key, with the PBS gadget (b, l) and
noise σ_glwe(k·N), converted **once** to the Fourier domain: n Fourier GGSWs
(:mod:`.fourier_ggsw`; words read as signed int64, integer units, the transform's kernel
order). Generation: :func:`..algorithms.key_generation.generate_bootstrap_key`.
"""

from __future__ import annotations

from fhe_assistant.crypto.parameters import TFHEParameters

__all__ = ["bootstrap_key_shape"]


def bootstrap_key_shape(params: TFHEParameters) -> tuple[int, int, int, int, int]:
    """(n, k+1, (k+1)·l, 2, N/2): the shape of the Fourier bootstrapping key of ``params``."""
    k = params.glwe_dimension
    return (params.lwe_dimension, k + 1, (k + 1) * params.decomposition_level_count, 2,
            params.polynomial_size // 2)
