"""Shared parameter sets and session-wide keys for the TFHE core tests.

Keys come from ``InsecureSeededRandom`` so that every run sees the same keys and noise
(reproducible, and insecure on purpose: tests only).
"""

from __future__ import annotations

import pytest

from fhe_assistant.backend.tfhe import generate_keys, make_random
from fhe_assistant.crypto.parameters import TFHEParameters

# Concrete-python 2.11's choices for one TLU at p_error 1e-5 (tfhe-notes §3.1); p = 1 from
# Concrete's v0 table. Fields: n, k, N, PBS base_log, PBS level, KS base_log, KS level, p.
CONCRETE_PARAMETERS = {
    1: TFHEParameters(592, 5, 256, 15, 1, 3, 3, 1),
    2: TFHEParameters(685, 5, 256, 15, 1, 4, 3, 2),
    3: TFHEParameters(736, 3, 512, 18, 1, 4, 3, 3),
    4: TFHEParameters(822, 2, 1024, 23, 1, 5, 3, 4),
    5: TFHEParameters(798, 1, 2048, 23, 1, 3, 5, 5),
    6: TFHEParameters(899, 1, 4096, 22, 1, 4, 4, 6),
    7: TFHEParameters(930, 1, 8192, 22, 1, 3, 6, 7),
    8: TFHEParameters(1031, 1, 16384, 22, 1, 4, 5, 8),
}

_KEYS: dict[int, tuple] = {}


def keys_for(message_bit_width: int):
    """(params, SecretKeys, EvaluationKeys) for Concrete's p-bit set, generated once per session."""
    if message_bit_width not in _KEYS:
        params = CONCRETE_PARAMETERS[message_bit_width]
        _KEYS[message_bit_width] = (
            params,
            *generate_keys(params, make_random(1000 + message_bit_width)),
        )
    return _KEYS[message_bit_width]


@pytest.fixture
def rng():
    """A fresh insecure seeded generator (reproducible tests)."""
    return make_random(12345)


@pytest.fixture(scope="session")
def tfhe_keys():
    """``tfhe_keys(p)`` -> (params, SecretKeys, EvaluationKeys) for Concrete's p-bit set."""
    return keys_for


@pytest.fixture(scope="session")
def concrete_parameters():
    return CONCRETE_PARAMETERS
