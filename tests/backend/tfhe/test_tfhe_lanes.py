"""One ciphertext on two threads: the lane-split bootstrap and the key-split keyswitch.

Lanes must give the table for every message (they are a different schedule of the same
CMux steps, not a different algorithm), must be deterministic, and must fall back — not
hang — when the two lanes cannot run side by side.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numba
import numpy as np
import pytest
from numba import njit, prange

from fhe_assistant.backend import tfhe as T
from fhe_assistant.backend.tfhe.algorithms.two_thread_bootstrap import bootstrap_one_in_lanes
from fhe_assistant.backend.tfhe.cpu.atomics import load_acquire, spin_pause, store_release
from fhe_assistant.crypto.security import noise_std_log2_mod

needs_two_threads = pytest.mark.skipif(
    numba.config.NUMBA_NUM_THREADS < 2, reason="lanes need two numba threads"
)


@pytest.fixture
def threads():
    """Set numba's thread count for a test and restore it afterwards."""
    before = numba.get_num_threads()
    yield numba.set_num_threads
    numba.set_num_threads(before)


def _encrypt(params, sk, messages, seed):
    rng = T.make_random(seed)
    return T.encrypt_lwe(
        T.encode(messages, params.message_bit_width),
        sk.big_lwe_key,
        noise_std_log2_mod(params.big_lwe_dimension),
        rng,
    )


@needs_two_threads
@pytest.mark.parametrize("p", [3, 4, 5])  # k = 3, 2, 1: odd and even polynomial counts
def test_lanes_give_the_table_for_every_message(tfhe_keys, threads, p):
    params, sk, ek = tfhe_keys(p)
    threads(2)
    messages = np.arange(2 ** (p + 1))
    cts = _encrypt(params, sk, messages, 300 + p)
    small = T.keyswitch_batch(cts, ek.keyswitch_key, params)
    table = np.random.default_rng(p).integers(0, 2**p, 2**p)
    tv = T.make_test_vectors(table, params)[0]
    out = np.stack(
        [bootstrap_one_in_lanes(small[i], tv, ek.bootstrap_key_fourier, params) for i in messages]
    )
    got = T.decrypt_lwe(out, sk.big_lwe_key, p)
    assert np.array_equal(got, T.lookup_reference(messages, table[None], p))


@needs_two_threads
def test_lanes_output_noise_matches_the_model(tfhe_keys, threads):
    """Lanes schedule the FFTs differently (not bit-identical to one thread): the output
    noise must still be the blind rotation's modelled variance, within a factor 2."""
    from fhe_assistant.crypto.noise import blind_rotation_variance

    params, sk, ek = tfhe_keys(4)
    threads(2)
    messages = np.random.default_rng(21).integers(0, 16, 96)
    small = T.keyswitch_batch(_encrypt(params, sk, messages, 22), ek.keyswitch_key, params)
    tv = T.make_test_vectors(np.arange(16), params)[0]
    out = np.stack([bootstrap_one_in_lanes(ct, tv, ek.bootstrap_key_fourier, params)
                    for ct in small])
    errors = (T.lwe_phase(out, sk.big_lwe_key) - T.encode(messages, 4)).view(np.int64)
    model = blind_rotation_variance(params.lwe_dimension, params.glwe_dimension,
                                    params.polynomial_size, params.decomposition_base_log,
                                    params.decomposition_level_count)
    ratio = np.var(errors.astype(np.float64)) / float(model)
    assert 0.5 < ratio < 2.0, f"measured/model variance {ratio:.3f}"


@needs_two_threads
def test_lanes_are_deterministic_and_used_for_one_ciphertext(tfhe_keys, threads, monkeypatch):
    """From N = 4096 on (6 bits) a lone ciphertext runs in lanes; below, one thread is
    faster with the four-lane FFT and the lanes are not used (bootstrap.py)."""
    import fhe_assistant.backend.tfhe.algorithms.bootstrap as bootstrap_module

    calls = []

    def spy(*args, **kwargs):
        calls.append(1)
        return bootstrap_one_in_lanes(*args, **kwargs)

    monkeypatch.setattr(bootstrap_module, "bootstrap_one_in_lanes", spy)
    threads(2)
    params, sk, ek = tfhe_keys(4)
    small = T.keyswitch_batch(_encrypt(params, sk, np.array([5]), 7), ek.keyswitch_key, params)
    T.bootstrap_batch(small, T.make_test_vectors(np.arange(16), params), ek.bootstrap_key_fourier,
                      params)
    assert calls == []
    params, sk, ek = tfhe_keys(6)
    small = T.keyswitch_batch(_encrypt(params, sk, np.array([5]), 7), ek.keyswitch_key, params)
    tv = T.make_test_vectors(np.arange(64)[::-1], params)
    first = bootstrap_one_in_lanes(small[0], tv[0], ek.bootstrap_key_fourier, params)
    again = bootstrap_one_in_lanes(small[0], tv[0], ek.bootstrap_key_fourier, params)
    assert np.array_equal(first, again)
    assert T.decrypt_lwe(first[None], sk.big_lwe_key, 6)[0] == 63 - 5
    out = T.bootstrap_batch(small, tv, ek.bootstrap_key_fourier, params)
    assert calls == [1] and np.array_equal(out[0], first)
    T.bootstrap_batch(np.repeat(small, 2, axis=0), tv, ek.bootstrap_key_fourier, params)
    assert calls == [1]  # batches keep the ciphertext-parallel path


def test_lanes_give_up_when_they_cannot_run_side_by_side(tfhe_keys, threads):
    params, sk, ek = tfhe_keys(3)
    threads(1)  # both prange iterations then run one after the other on one thread
    small = T.keyswitch_batch(_encrypt(params, sk, np.array([3]), 8), ek.keyswitch_key, params)
    tv = T.make_test_vectors(np.arange(8), params)
    assert bootstrap_one_in_lanes(small[0], tv[0], ek.bootstrap_key_fourier, params,
                                  spin_limit=1000) is None
    out = T.bootstrap_batch(small, tv, ek.bootstrap_key_fourier, params)  # one-thread path
    assert T.decrypt_lwe(out, sk.big_lwe_key, 3)[0] == 3


@needs_two_threads
def test_a_second_thread_does_not_start_lanes_while_some_run(tfhe_keys, threads):
    from fhe_assistant.backend.tfhe.algorithms import two_thread_bootstrap as bootstrap_lanes

    params, sk, ek = tfhe_keys(3)
    threads(2)
    small = T.keyswitch_batch(_encrypt(params, sk, np.array([6]), 9), ek.keyswitch_key, params)
    tv = T.make_test_vectors(np.arange(8)[::-1], params)
    with bootstrap_lanes._LANES_IN_USE:  # as if another Python thread were in lanes
        assert bootstrap_one_in_lanes(small[0], tv[0], ek.bootstrap_key_fourier, params) is None
        out = T.bootstrap_batch(small, tv, ek.bootstrap_key_fourier, params)
    assert T.decrypt_lwe(out, sk.big_lwe_key, 3)[0] == 1


@needs_two_threads
@pytest.mark.parametrize("count", [1, 3, 17, 40])
def test_keyswitch_split_over_threads_is_exact(tfhe_keys, threads, count):
    params, sk, ek = tfhe_keys(4)
    messages = np.arange(count) % 32
    cts = _encrypt(params, sk, messages, 400 + count)
    threads(1)
    one = T.keyswitch_batch(cts, ek.keyswitch_key, params)
    threads(2)
    two = T.keyswitch_batch(cts, ek.keyswitch_key, params)
    assert np.array_equal(one, two)  # integer arithmetic mod 2**64: any split is exact
    phase = T.decrypt_lwe(two, sk.lwe_key, 4)
    assert np.array_equal(phase, messages)


@njit(parallel=True)
def _ping_pong(flags, rounds, seen):
    for lane in prange(2):
        other = 1 - lane
        for r in range(rounds):
            seen[lane, r] = load_acquire(flags, other * 16)
            store_release(flags, lane * 16, r + 1)
            while load_acquire(flags, other * 16) < r + 1:
                spin_pause()


@needs_two_threads
def test_release_acquire_flags_order_two_threads(threads):
    threads(2)
    rounds = 2000
    flags = np.zeros(32, dtype=np.int64)
    seen = np.zeros((2, rounds), dtype=np.int64)
    _ping_pong(flags, rounds, seen)
    # a lane in round r has seen the other lane finish round r-1, never more than r+1
    r = np.arange(rounds)
    assert np.all(seen >= r) and np.all(seen <= r + 1)
    assert flags[0] == flags[16] == rounds


@pytest.mark.parametrize("given, expected", [(None, "PASSIVE"), ("ACTIVE", "ACTIVE")])
def test_openmp_workers_wait_passively_unless_told_otherwise(given, expected):
    """Spinning OpenMP workers slowed the one-thread bootstrap after a two-thread keyswitch."""
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if given is not None:
        env["OMP_WAIT_POLICY"] = given
    code = ("import os, fhe_assistant.backend.tfhe as T; "
            "print(T.OPENMP_WAIT_POLICY, os.environ['OMP_WAIT_POLICY'])")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == [expected, expected]
