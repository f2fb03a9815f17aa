"""Secret and evaluation keys of a KS-PBS parameter set (tfhe-notes §1.5–§1.8).

Definitions
-----------
* ``lwe_key`` s ∈ {0,1}**n and ``glwe_key`` S ∈ {0,1}**(k×N), uniform binary (CSPRNG).
* ``big_lwe_key`` s' = S flattened (s'[iN + j] = S_i[j]), dimension k·N: the key of the
  ciphertexts at rest, of fresh encryptions and of PBS outputs (sample extraction).
* Bootstrapping key BSK_i = GGSW_S(s_i) with gadget (pbs_base_log, pbs_level) and noise
  σ_glwe(k·N), converted **once** to the Fourier domain: float64 (n, k+1, (k+1)·l, 2, N/2),
  each polynomial as F(P) of :mod:`fft` (words read as signed int64, integer units, the
  transform's kernel order).
* Keyswitching key KSK[i][j] = LWE_s(s'_i·2**(64 − (j+1)·ks_base_log)), noise σ_lwe(n):
  uint32 (k·N, ks_level, n+1), the top 32 bits of each word (:mod:`keyswitch`).

Noise levels come from the 128-bit security curve (:mod:`fhe_assistant.crypto.security`)
at dimension n for the KSK and k·N for the BSK.

``lwe_dimension == 0`` means "no PBS in this circuit": only the GLWE (big) key is drawn
and the evaluation keys are ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fhe_assistant.core import progress
from fhe_assistant.crypto.parameters import TFHEParameters
from fhe_assistant.crypto.security import noise_std_log2_mod

from .ggsw import encrypt_ggsw, ggsw_to_fourier
from .keyswitch import generate_keyswitch_key

__all__ = ["EvaluationKeys", "SecretKeys", "generate_bootstrap_key", "generate_keys", "key_sizes"]

# GGSWs encrypted and converted per step of the bootstrapping-key generation (bounds memory).
_BSK_CHUNK = 64


@dataclass(frozen=True, slots=True, eq=False)
class SecretKeys:
    """The client's secret keys: ``lwe_key`` uint64 (n,) and ``glwe_key`` uint64 (k, N)."""

    lwe_key: np.ndarray
    glwe_key: np.ndarray

    @property
    def big_lwe_key(self) -> np.ndarray:
        """The flattened GLWE key, uint64 (k·N,): the key of ciphertexts at rest."""
        return self.glwe_key.reshape(-1)


@dataclass(frozen=True, slots=True, eq=False)
class EvaluationKeys:
    """The server's public evaluation keys (``None`` when the circuit has no PBS).

    ``bootstrap_key_fourier`` float64 (n, k+1, (k+1)·l, 2, N/2) (:func:`ggsw.ggsw_to_fourier`);
    ``keyswitch_key`` uint32 (k·N, l_ks, n+1).
    """

    bootstrap_key_fourier: np.ndarray | None
    keyswitch_key: np.ndarray | None


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


def generate_keys(params: TFHEParameters, rng) -> tuple[SecretKeys, EvaluationKeys]:
    """Draw the secret keys and derive the evaluation keys for ``params``.

    Parameters
    ----------
    params : TFHEParameters
    rng : randomness source — :func:`rng.make_random` (the OS CSPRNG by default)

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
            lwe_key, glwe_key, params.pbs_base_log, params.pbs_level,
            noise_std_log2_mod(k * size), rng, on_chunk=step.advance,
        )
        ksk = generate_keyswitch_key(
            glwe_key.reshape(-1),
            lwe_key,
            params.ks_base_log,
            params.ks_level,
            noise_std_log2_mod(n),
            rng,
        )
        step.advance(ksk.nbytes)
    return SecretKeys(lwe_key, glwe_key), EvaluationKeys(bsk, ksk)


def key_sizes(params: TFHEParameters) -> dict[str, int]:
    """Sizes in bytes of the keys as held in memory (Fourier BSK 2·N/2 float64 per
    polynomial, KSK uint32)."""
    n, k, size = params.lwe_dimension, params.glwe_dimension, params.polynomial_size
    big = k * size
    sizes = {
        "lwe_secret_key": 8 * n,
        "glwe_secret_key": 8 * big,
        "bootstrap_key_fourier": 0
        if n == 0
        else 16 * n * params.pbs_level * (k + 1) ** 2 * (size // 2),
        "keyswitch_key": 0 if n == 0 else 4 * big * params.ks_level * (n + 1),
    }
    sizes["evaluation_keys"] = sizes["bootstrap_key_fourier"] + sizes["keyswitch_key"]
    return sizes
