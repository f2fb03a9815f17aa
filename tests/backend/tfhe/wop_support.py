"""Shared WoP-PBS test fixtures: Concrete's 12-bit WoP parameters and one key set per session.

Concrete-python 2.11 compiles a 12-bit ``LookupTable[x]`` to these numbers (its optimizer's
``show_optimizer`` output: k = 2, N = 1024, n = 721, KS (b, l) = (2, 7), PBS (12, 3),
packing keyswitch (16, 2), circuit bootstrap (8, 2)). The keys do not depend on p, so every
width shares one key set (insecure seeded randomness: tests only).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from fhe_assistant.backend import tfhe as T
from fhe_assistant.crypto.security import noise_std_log2_mod
from fhe_assistant.crypto.wop_parameters import WopParameters

CONCRETE_12_BIT = WopParameters(721, 2, 1024, 12, 3, 2, 7, 16, 2, 8, 2, 12)

_KEYS: dict = {}


def wop_params(message_bit_width: int) -> WopParameters:
    return dataclasses.replace(CONCRETE_12_BIT, message_bit_width=message_bit_width)


def wop_keys():
    """(SecretKeys, WopEvaluationKeys) of :data:`CONCRETE_12_BIT`, generated once."""
    if not _KEYS:
        rng = T.make_random(2022_704)
        params = CONCRETE_12_BIT
        secret = T.SecretKeys(rng.binary(params.lwe_dimension),
                              rng.binary((params.glwe_dimension, params.polynomial_size)))
        _KEYS["keys"] = (secret, T.generate_wop_keys(secret, params, rng))
    return _KEYS["keys"]


def encrypt_indices(xs, params, secret, seed):
    """Fresh big-key encryptions of x·2**(63 − p)."""
    words = np.asarray(xs, dtype=np.uint64) << np.uint64(63 - params.message_bit_width)
    return T.encrypt_lwe(words, secret.big_lwe_key, noise_std_log2_mod(params.big_lwe_dimension),
                         T.make_random(seed))


def signed_errors(phases, expected) -> np.ndarray:
    """phase − expected as signed float64 (units of 2**-64)."""
    diff = np.asarray(phases, dtype=np.uint64) - np.asarray(expected, dtype=np.uint64)
    return diff.view(np.int64).astype(np.float64)
