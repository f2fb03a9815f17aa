"""The WoP-PBS evaluation keys: the KS-PBS keys plus the two keys of the circuit bootstrap.

A WoP lookup (:mod:`..algorithms.wop_pbs`) reuses the bootstrapping key and the keyswitching
key of ``params.ks_pbs()`` (:mod:`.evaluation_keys`) and adds what the circuit bootstrap
(:mod:`..algorithms.circuit_bootstrap`) needs to turn an LWE encryption of μ·g (a bit times
a gadget weight, under the big key s' = flattened S) into the k+1 GLWE rows of GGSW(μ):

* ``packing_keyswitch_key`` uint64 (k·N, l_pp, k+1, N): PKS[i][j] = GLWE_S(s'_i·2**(64 − (j+1)·b_pp)),
  a *public* functional packing keyswitch for the identity (the body row (j, k) of the
  GGSW: phase μ·g as a constant polynomial). Gadget (b_pp, l_pp) = ``params.pfpks_*``.
* ``scheme_switch_key_fourier`` float64 (k, k+1, (k+1)·l_ss, 2, N/2): SSK_r = GGSW_S(−S_r) in
  the Fourier form of :mod:`.fourier_ggsw`, gadget (b_ss, l_ss) = :func:`scheme_switch_gadget`.
  SSK_r ⊡ GLWE(μ·g) has phase −S_r·μ·g: the mask rows (j, r < k) of GGSW(μ).

Why not Concrete's k+1 *private* functional packing keyswitch keys (functions −S_r and 1,
ePrint 2022/704 §4): they weigh (k+1)·(k·N+1)·l_pp·(k+1)·N words, 302 MB at Concrete's
12-bit choice (k = 2, N = 1024, l_pp = 2) on top of 200 MB of KS-PBS keys; one identity key
(101 MB) and k GGSWs (0.6 MB) do the same job (the "scheme switching" of Wang et al., ePrint
2024/323), and the external products cost far less than k more packing keyswitches. What it
costs in noise: the identity key's fresh noise is multiplied by S_r in rows r < k (variance
×N/2); the scalar parts (the bootstrap's noise, the gadget rounding) are not (noise model:
:mod:`fhe_assistant.crypto.wop_noise`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fhe_assistant.crypto.wop_parameters import SCHEME_SWITCH_GADGET

__all__ = [
    "WopEvaluationKeys",
    "packing_keyswitch_key_shape",
    "scheme_switch_gadget",
    "scheme_switch_key_shape",
    "wop_key_shapes",
    "wop_key_sizes",
]


def scheme_switch_gadget(params) -> tuple[int, int]:
    """(base_log, level) of the scheme-switching GGSWs: ``SCHEME_SWITCH_GADGET`` = (11, 4).

    Fixed rather than searched (the optimizer prices it with the same constant): the key is
    0.6 MB and its external products ~2 % of a lookup, so only its noise matters; 44 bits of
    gadget keep the rounding (multiplied by S_r) and the key noise ~2**-6 of a bootstrap's
    output noise at N = 1024 (σ ≈ 2**32 vs 2**38); the FFT term grows as l·B²·N².
    """
    del params  # the same gadget for every parameter set (see above)
    return SCHEME_SWITCH_GADGET


def packing_keyswitch_key_shape(params) -> tuple[int, int, int, int]:
    """(k·N, l_pp, k+1, N): the identity packing keyswitch key of ``params``."""
    k, size = params.glwe_dimension, params.polynomial_size
    return (k * size, params.pfpks_level, k + 1, size)


def scheme_switch_key_shape(params) -> tuple[int, int, int, int, int]:
    """(k, k+1, (k+1)·l_ss, 2, N/2): the k Fourier GGSW(−S_r) of ``params``."""
    k, size = params.glwe_dimension, params.polynomial_size
    _, level = scheme_switch_gadget(params)
    return (k, k + 1, (k + 1) * level, 2, size // 2)


def wop_key_shapes(params) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """{field of :class:`WopEvaluationKeys`: (shape, dtype)} for ``params`` (what a file
    reader checks before it allocates)."""
    k, size, n = params.glwe_dimension, params.polynomial_size, params.lwe_dimension
    return {
        "bootstrap_key_fourier": ((n, k + 1, (k + 1) * params.decomposition_level_count, 2,
                                   size // 2), np.dtype(np.float64)),
        "keyswitch_key": ((k * size, params.ks_decomposition_level_count, n + 1),
                          np.dtype(np.uint32)),
        "packing_keyswitch_key": (packing_keyswitch_key_shape(params), np.dtype(np.uint64)),
        "scheme_switch_key_fourier": (scheme_switch_key_shape(params), np.dtype(np.float64)),
    }


def wop_key_sizes(params) -> dict[str, int]:
    """Bytes of each evaluation key of a WoP parameter set as held in memory, and their sum
    (``evaluation_keys``)."""
    sizes = {name: int(np.prod(shape)) * dtype.itemsize
             for name, (shape, dtype) in wop_key_shapes(params).items()}
    sizes["evaluation_keys"] = sum(sizes.values())
    return sizes


@dataclass(frozen=True, slots=True, eq=False)
class WopEvaluationKeys:
    """The server's keys for WoP lookups (all four are public).

    ``bootstrap_key_fourier`` float64 (n, k+1, (k+1)·l, 2, N/2) and ``keyswitch_key`` uint32
    (k·N, l_ks, n+1) are the KS-PBS keys of ``params.ks_pbs()``; ``packing_keyswitch_key``
    and ``scheme_switch_key_fourier`` are described in the module docstring.
    """

    bootstrap_key_fourier: np.ndarray
    keyswitch_key: np.ndarray
    packing_keyswitch_key: np.ndarray
    scheme_switch_key_fourier: np.ndarray

    @property
    def nbytes(self) -> int:
        """Total bytes of the four keys."""
        return sum(int(a.nbytes) for a in (self.bootstrap_key_fourier, self.keyswitch_key,
                                           self.packing_keyswitch_key,
                                           self.scheme_switch_key_fourier))

    def check(self, params) -> None:
        """Raise ValueError naming the key whose shape or dtype does not match ``params``."""
        for name, (shape, dtype) in wop_key_shapes(params).items():
            array = getattr(self, name)
            if tuple(array.shape) != tuple(shape) or array.dtype != dtype:
                raise ValueError(f"WoP key {name} has shape {tuple(array.shape)} {array.dtype}, "
                                 f"expected {tuple(shape)} {dtype} for {params}")
