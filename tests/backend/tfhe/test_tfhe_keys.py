"""Key generation, key sizes, no-PBS parameter sets and the insecure on-disk key cache."""

from __future__ import annotations

import json

import numpy as np
import pytest

from fhe_assistant.backend import tfhe as T
from fhe_assistant.backend.tfhe import ggsw_to_natural_order
from fhe_assistant.crypto.parameters import TFHEParameters


def test_key_shapes(tfhe_keys):
    params, sk, ek = tfhe_keys(4)
    n, k, size = params.lwe_dimension, params.glwe_dimension, params.polynomial_size
    assert sk.lwe_key.shape == (n,) and sk.glwe_key.shape == (k, size)
    assert sk.big_lwe_key.shape == (k * size,)
    assert set(np.unique(sk.lwe_key)) == {0, 1}
    assert ek.bootstrap_key_fourier.shape == (n, k + 1, k + 1, 2, size // 2)  # l = 1
    assert ek.bootstrap_key_fourier.dtype == np.float64
    assert ek.keyswitch_key.shape == (k * size, 3, n + 1) and ek.keyswitch_key.dtype == np.uint32


def test_key_sizes_match_arrays(tfhe_keys):
    params, sk, ek = tfhe_keys(4)
    sizes = T.key_sizes(params)
    assert sizes["bootstrap_key_fourier"] == ek.bootstrap_key_fourier.nbytes == 60_604_416
    assert sizes["keyswitch_key"] == ek.keyswitch_key.nbytes == 20_226_048
    assert sizes["lwe_secret_key"] == sk.lwe_key.nbytes
    assert sizes["glwe_secret_key"] == sk.glwe_key.nbytes
    assert sizes["evaluation_keys"] == sizes["bootstrap_key_fourier"] + sizes["keyswitch_key"]


def test_parameters_without_pbs():
    params = TFHEParameters(0, 1, 2048, 0, 0, 0, 0, 5)
    sk, ek = T.generate_keys(params, T.make_random(1))
    assert sk.big_lwe_key.shape == (2048,) and sk.lwe_key.shape == (0,)
    assert ek.bootstrap_key_fourier is None and ek.keyswitch_key is None
    assert T.key_sizes(params)["evaluation_keys"] == 0


def test_insecure_key_cache_roundtrip(tmp_path, tfhe_keys):
    params, sk, ek = tfhe_keys(1)
    cache = T.InsecureKeyCache(tmp_path / "keys")
    assert cache.load(params, "t") is None
    path = cache.store(params, "t", sk, ek)
    assert path.name.startswith(params.fingerprint())
    loaded_sk, loaded_ek = cache.load(params, "t")
    assert np.array_equal(loaded_sk.glwe_key, sk.glwe_key) and np.array_equal(
        loaded_sk.lwe_key, sk.lwe_key
    )
    assert np.array_equal(loaded_ek.bootstrap_key_fourier, ek.bootstrap_key_fourier)
    assert np.array_equal(loaded_ek.keyswitch_key, ek.keyswitch_key)
    assert cache.load(params, "other") is None
    with pytest.raises(ValueError):
        cache.entry_path(params, "../escape")


def test_insecure_key_cache_generates_on_miss(tmp_path):
    params = TFHEParameters(0, 2, 512, 0, 0, 0, 0, 3)
    cache = T.InsecureKeyCache(tmp_path)
    first = cache.load_or_generate(params, "a", rng=T.make_random(3))
    second = cache.load_or_generate(params, "a")
    assert np.array_equal(first[0].glwe_key, second[0].glwe_key)
    assert second[1].bootstrap_key_fourier is None
    assert "insecure" in T.InsecureKeyCache.__doc__.lower()


def test_insecure_key_cache_converts_a_natural_order_bootstrap_key(tmp_path, tfhe_keys):
    params, sk, ek = tfhe_keys(1)
    cache = T.InsecureKeyCache(tmp_path / "keys")
    path = cache.store(params, "old", sk, ek)
    natural = ggsw_to_natural_order(ek.bootstrap_key_fourier, params.decomposition_level_count)
    np.save(path / "bootstrap_key_fourier.npy", natural)  # as cached before the kernel order
    wide = ek.keyswitch_key.astype(np.uint64) << np.uint64(32)  # the 64-bit form it rounds
    np.save(path / "keyswitch_key.npy", wide + np.uint64(12345))
    _, loaded = cache.load(params, "old")
    assert np.array_equal(loaded.bootstrap_key_fourier, ek.bootstrap_key_fourier)
    assert np.array_equal(loaded.keyswitch_key, ek.keyswitch_key)


def test_insecure_key_cache_reads_entries_with_the_old_parameter_names(tmp_path):
    """params.json written before the TFHE names (pbs_base_log, …) still matches."""
    params = TFHEParameters(0, 1, 1024, 0, 0, 0, 0, 3)
    cache = T.InsecureKeyCache(tmp_path)
    sk, _ = cache.load_or_generate(params, "old", rng=T.make_random(4))
    old = {"lwe_dimension": 0, "glwe_dimension": 1, "polynomial_size": 1024, "pbs_base_log": 0,
           "pbs_level": 0, "ks_base_log": 0, "ks_level": 0, "message_bit_width": 3}
    (cache.entry_path(params, "old") / "params.json").write_text(json.dumps(old))
    loaded_sk, _ = cache.load(params, "old")
    assert np.array_equal(loaded_sk.glwe_key, sk.glwe_key)
    other = TFHEParameters(0, 1, 1024, 0, 0, 0, 0, 4)
    (cache.entry_path(params, "old") / "params.json").write_text(json.dumps(other.as_dict()))
    with pytest.raises(ValueError, match="other parameters"):
        cache.load(params, "old")
