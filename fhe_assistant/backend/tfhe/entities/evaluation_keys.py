"""The server's evaluation keys: Fourier bootstrapping key and 32-bit keyswitching key.

Layouts: :mod:`.fourier_bootstrap_key` and :mod:`.lwe_keyswitch_key`; generation:
:mod:`..algorithms.key_generation`. Both are ``None`` when the parameters have no PBS
(``lwe_dimension == 0``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fhe_assistant.crypto.parameters import TFHEParameters

from .fourier_bootstrap_key import bootstrap_key_shape
from .lwe_keyswitch_key import keyswitch_key_shape

__all__ = ["EvaluationKeys", "key_sizes"]


@dataclass(frozen=True, slots=True, eq=False)
class EvaluationKeys:
    """The server's public evaluation keys (``None`` when the circuit has no PBS).

    ``bootstrap_key_fourier`` float64 (n, k+1, (k+1)·l, 2, N/2) (:mod:`.fourier_bootstrap_key`);
    ``keyswitch_key`` uint32 (k·N, l_ks, n+1).
    """

    bootstrap_key_fourier: np.ndarray | None
    keyswitch_key: np.ndarray | None


def key_sizes(params: TFHEParameters) -> dict[str, int]:
    """Sizes in bytes of the keys as held in memory (Fourier BSK float64, KSK uint32)."""
    n, k, size = params.lwe_dimension, params.glwe_dimension, params.polynomial_size
    big = k * size
    sizes = {
        "lwe_secret_key": 8 * n,
        "glwe_secret_key": 8 * big,
        "bootstrap_key_fourier": 0 if n == 0 else 8 * int(np.prod(bootstrap_key_shape(params))),
        "keyswitch_key": 0 if n == 0 else 4 * int(np.prod(keyswitch_key_shape(params))),
    }
    sizes["evaluation_keys"] = sizes["bootstrap_key_fourier"] + sizes["keyswitch_key"]
    return sizes
