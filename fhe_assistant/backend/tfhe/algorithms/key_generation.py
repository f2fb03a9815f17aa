"""Key generation: secret keys, the Fourier bootstrapping key, the keyswitching key
(tfhe-notes §1.5–§1.8).

Definitions
-----------
* Secret keys (:mod:`..entities.secret_keys`): s ∈ {0,1}**n and S ∈ {0,1}**(k×N) drawn
  uniform binary from the randomness source.
* Bootstrapping key BSK_i = GGSW_S(s_i) with the PBS gadget and noise σ_glwe(k·N),
  converted once to the Fourier domain (:mod:`..entities.fourier_bootstrap_key`).
* Keyswitching key KSK[i][j] = LWE_s(s'_i·2**(64 − (j+1)·b_ks)) with noise σ_lwe(n),
  rounded to its top 32 bits (:mod:`..entities.lwe_keyswitch_key`).

Noise levels come from the 128-bit security curve (:mod:`fhe_assistant.crypto.security`)
at dimension n for the KSK and k·N for the BSK. ``lwe_dimension == 0`` means "no PBS in
this circuit": only the GLWE (big) key is drawn and the evaluation keys are ``None``.
"""

from __future__ import annotations

import numpy as np

from fhe_assistant.core import progress
from fhe_assistant.crypto.parameters import TFHEParameters
from fhe_assistant.crypto.security import noise_std_log2_mod

from ..entities.evaluation_keys import EvaluationKeys, key_sizes
from ..entities.fourier_ggsw import ggsw_to_fourier
from ..entities.lwe_keyswitch_key import round_to_top_half
from ..entities.secret_keys import SecretKeys
from .ggsw_encryption import encrypt_ggsw
from .lwe_encryption import encrypt_lwe

__all__ = ["generate_bootstrap_key", "generate_keys", "generate_keyswitch_key"]

# GGSWs encrypted and converted per step of the bootstrapping-key generation (bounds memory).
_BSK_CHUNK = 64


def generate_bootstrap_key(
    lwe_key,
    glwe_key,
    base_log: int,
    level: int,
    noise_std_log2: float,
    rng,
    chunk: int = _BSK_CHUNK,
    on_chunk=None,
) -> np.ndarray:
    """BSK_i = GGSW_S(s_i) in the Fourier domain -> float64 (n, k+1, (k+1)·l, 2, N/2).

    ``on_chunk(nbytes)`` is called after each chunk of GGSWs (progress of a long keygen).
    """
    lwe_key = np.asarray(lwe_key, dtype=np.uint64)
    glwe_key = np.asarray(glwe_key, dtype=np.uint64)
    k, size = glwe_key.shape
    out = np.empty((lwe_key.size, k + 1, (k + 1) * level, 2, size // 2), dtype=np.float64)
    for start in range(0, lwe_key.size, chunk):
        stop = min(start + chunk, lwe_key.size)
        ggsw = encrypt_ggsw(lwe_key[start:stop], glwe_key, base_log, level, noise_std_log2, rng)
        out[start:stop] = ggsw_to_fourier(ggsw)
        if on_chunk is not None:
            on_chunk(out[start:stop].nbytes)
    return out


def generate_keyswitch_key(
    big_lwe_key, lwe_key, base_log: int, level: int, noise_std_log2_mod: float, rng
) -> np.ndarray:
    """KSK[i][j] = LWE_{lwe_key}(big_lwe_key[i]·2**(64 − (j+1)·b)), rounded to its top 32
    bits -> uint32 (k·N, l, n+1)."""
    big_lwe_key = np.asarray(big_lwe_key, dtype=np.uint64)
    shifts = np.array([64 - (j + 1) * base_log for j in range(level)], dtype=np.uint64)
    plaintexts = big_lwe_key[:, np.newaxis] << shifts[np.newaxis, :]
    return round_to_top_half(encrypt_lwe(plaintexts, lwe_key, noise_std_log2_mod, rng))


def generate_keys(params: TFHEParameters, rng) -> tuple[SecretKeys, EvaluationKeys]:
    """Draw the secret keys and derive the evaluation keys for ``params``.

    Parameters
    ----------
    params : TFHEParameters
    rng : randomness source — :func:`..rng.make_random` (the OS CSPRNG by default)

    Returns
    -------
    (SecretKeys, EvaluationKeys)
    """
    n, k, size = params.lwe_dimension, params.glwe_dimension, params.polynomial_size
    glwe_key = rng.binary((k, size))
    if n == 0:
        return SecretKeys(np.zeros(0, dtype=np.uint64), glwe_key), EvaluationKeys(None, None)
    lwe_key = rng.binary(n)
    sizes = key_sizes(params)
    with progress.task("keygen", total=sizes["evaluation_keys"], unit="B",
                       detail=f"evaluation keys {sizes['evaluation_keys'] / 2**20:.0f} MiB"
                       ) as step:
        bsk = generate_bootstrap_key(
            lwe_key, glwe_key, params.decomposition_base_log,
            params.decomposition_level_count,
            noise_std_log2_mod(k * size), rng, on_chunk=step.advance,
        )
        ksk = generate_keyswitch_key(
            glwe_key.reshape(-1),
            lwe_key,
            params.ks_decomposition_base_log,
            params.ks_decomposition_level_count,
            noise_std_log2_mod(n),
            rng,
        )
        step.advance(ksk.nbytes)
    return SecretKeys(lwe_key, glwe_key), EvaluationKeys(bsk, ksk)
