"""Table lookups (KS + PBS) with Concrete's parameter sets: every result equals the table.

Inputs cover all 2**(p+1) messages: i < 2**p reads table[i]; with the padding bit set
(i >= 2**p) the negacyclic wrap gives -table[i - 2**p] mod 2**(p+1) — the rule the graph
layer's simulation reproduces (``pbs.lookup_reference``).
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from fhe_assistant.backend import tfhe as T
from fhe_assistant.crypto.security import noise_std_log2_mod


def _check_lookups(tfhe_keys, p, repeats=1, sample=None):
    params, sk, ek = tfhe_keys(p)
    gen = np.random.default_rng(100 + p)
    rng = T.make_random(200 + p)
    messages = np.tile(np.arange(2 ** (p + 1)), repeats)
    if sample is not None:
        messages = gen.permutation(messages)[:sample]
    cts = T.encrypt_lwe(
        T.encode(messages, p), sk.big_lwe_key, noise_std_log2_mod(params.big_lwe_dimension), rng
    )

    # one unsigned table shared by the whole batch
    table = gen.integers(0, 2**p, 2**p)
    out = T.programmable_bootstrap(cts, table, ek, params)
    assert out.shape == (messages.size, params.big_lwe_dimension + 1)
    got = T.decrypt_lwe(out, sk.big_lwe_key, p)
    assert np.array_equal(got, T.lookup_reference(messages, table[None], p))
    low = messages < 2**p
    assert np.array_equal(got[low], table[messages[low]])

    # one signed table per ciphertext
    tables = gen.integers(-(2 ** (p - 1)), 2 ** (p - 1), (messages.size, 2**p))
    out = T.programmable_bootstrap(cts, tables, ek, params)
    got = T.decrypt_lwe(out, sk.big_lwe_key, p, is_signed=True)
    rows = np.arange(messages.size)
    expect = np.where(low, tables[rows, messages % 2**p], -tables[rows, messages % 2**p])
    assert np.array_equal(got, expect)
    assert np.array_equal(got % 2 ** (p + 1), T.lookup_reference(messages, tables, p))


@pytest.mark.parametrize("p", [1, 2, 3, 4, 5, 6])
def test_lookup_tables(tfhe_keys, p):
    _check_lookups(tfhe_keys, p, repeats=4 if p <= 3 else 1)


def test_a_width_7_lookup(tfhe_keys):
    """One wide lookup in the default set (N = 8192): 16 messages, both table forms."""
    _check_lookups(tfhe_keys, 7, sample=16)


@pytest.mark.slow
@pytest.mark.parametrize("p", [7, 8])
def test_lookup_tables_wide(tfhe_keys, p):
    _check_lookups(tfhe_keys, p, sample=64)


def test_test_vector_layout(concrete_parameters):
    params = concrete_parameters[4]
    table = (np.arange(16) * 3 + 5) % 16  # table[0] != 0: the negated tail is visible
    assert table[0] != 0
    tv = T.make_test_vectors(table, params)
    delta = np.uint64(1 << 59)
    box, half = 1024 // 16, 32
    assert tv.shape == (1, 1024) and tv.dtype == np.uint64
    for j in (0, half - 1, half, 1024 - half - 1):
        assert tv[0, j] == np.uint64(table[(j + half) // box]) * delta
    assert np.all(tv[0, 1024 - half :] == np.uint64(0) - np.uint64(table[0]) * delta)


def test_single_and_batched_bootstrap_agree(tfhe_keys):
    params, sk, ek = tfhe_keys(2)
    rng = T.make_random(5)
    cts = T.encrypt_lwe(
        T.encode(np.arange(8), 2), sk.big_lwe_key, noise_std_log2_mod(params.big_lwe_dimension), rng
    )
    small = T.keyswitch_batch(cts, ek.keyswitch_key, params)
    tvs = T.make_test_vectors(np.array([[0, 1, 2, 3]]), params)
    batch = T.bootstrap_batch(small, tvs, ek.bootstrap_key_fourier, params)
    one = T.bootstrap_batch(small[5:6], tvs, ek.bootstrap_key_fourier, params)
    assert np.array_equal(batch[5:6], one)


def test_large_batches_run_in_slices(tfhe_keys, monkeypatch):
    bootstrap_module = importlib.import_module("fhe_assistant.backend.tfhe.algorithms.bootstrap")
    params, sk, ek = tfhe_keys(2)
    rng = T.make_random(6)
    sigma = noise_std_log2_mod(params.big_lwe_dimension)
    messages = np.arange(9) % 8
    cts = T.encrypt_lwe(T.encode(messages, 2), sk.big_lwe_key, sigma, rng)
    small = T.keyswitch_batch(cts, ek.keyswitch_key, params)
    tables = np.random.default_rng(0).integers(0, 4, (9, 4))
    tvs = T.make_test_vectors(tables, params)
    whole = T.bootstrap_batch(small, tvs, ek.bootstrap_key_fourier, params)
    monkeypatch.setattr(bootstrap_module, "SLICE_PER_THREAD", 2)
    sliced = T.bootstrap_batch(small, tvs, ek.bootstrap_key_fourier, params)
    assert np.array_equal(whole, sliced)
    got = T.decrypt_lwe(sliced, sk.big_lwe_key, 2)
    assert np.array_equal(got, T.lookup_reference(messages, tables, 2))


def test_programmable_bootstrap_needs_keys(concrete_parameters):
    with pytest.raises(ValueError):
        T.programmable_bootstrap(
            np.zeros((1, 2049), np.uint64),
            np.arange(16),
            T.EvaluationKeys(None, None),
            concrete_parameters[4],
        )
