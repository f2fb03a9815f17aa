"""WoP-PBS lookups at 12 and 16 input bits (slow): random tables, encrypted and correct.

The parameters are Concrete's 12-bit choice (``wop_support``); the same keys read 16 bits
(only p, the encoding, changes). Noise at these widths: the extracted bits carry the input
noise times 2**(p − i), still far inside the bit bootstrap's ±2**62 window; the output is
D digit bootstraps (the model of test_tfhe_wop.py).
"""

from __future__ import annotations

import numpy as np
import pytest
from wop_support import encrypt_indices, signed_errors, wop_keys, wop_params

from fhe_assistant.backend import tfhe as T

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("q", [9, 12, 16])
def test_wide_lookup_reads_a_random_table(q):
    secret, evaluation = wop_keys()
    params = wop_params(q)
    rng = np.random.default_rng(q)
    table = rng.integers(0, 2**q, 2**q)
    xs = np.concatenate([[0, 2**q - 1], rng.integers(0, 2**q, 2)])
    out = T.wop_table_lookup(encrypt_indices(xs, params, secret, seed=q), T.encode(table, q), q,
                             params, evaluation)
    np.testing.assert_array_equal(T.decrypt_lwe(out, secret.big_lwe_key, q), table[xs])
    errors = signed_errors(T.lwe_phase(out, secret.big_lwe_key), T.encode(table[xs], q))
    assert np.abs(errors).max() < 2.0 ** (62 - q - 4)  # a 16σ margin at σ ≈ 2**39
