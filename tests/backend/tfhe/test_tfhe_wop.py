"""WoP-PBS kernels (ePrint 2022/704): each step against the clear values, measured noise
against the model, and the whole lookup at q = 2 … 6 bits (12 and 16: test_tfhe_wop_wide.py).

Noise model: ``crypto.wop_model`` (modular variances, Concrete's step formulas):

* extracted bit i: σ²_KS + 4**(p−i)·(σ²_in + i·σ²_BR) (the shift scales what is left of the
  input, including the bootstraps subtracted for the lower bits);
* GGSW row (j, k), coefficient 0: σ²_BR + σ²_round + σ²_key, other coefficients σ²_key, with
  σ²_key = k·N·l_pp·(B_pp²+2)/12·σ²_fresh(kN) (the packing key's noise) and
  σ²_round = k·N/2·2**(128 − 2·b_pp·l_pp)/12 (the masks rounded to the gadget, times the
  key); mask rows (j, r < k): −S_r times that, plus the scheme switch;
* a digit out of the vertical packing: q CMuxes with those GGSWs;
* lookup output: D·σ²_BR (D digit bootstraps summed).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from test_tfhe_noise import assert_model_variance
from wop_support import encrypt_indices, signed_errors, wop_keys, wop_params

from fhe_assistant.backend import tfhe as T
from fhe_assistant.backend.tfhe.algorithms.circuit_bootstrap import circuit_bootstrap_ggsw
from fhe_assistant.backend.tfhe.algorithms.many_output_bootstrap import (
    bootstrap_bit_constants,
    sample_extract_at_into,
)
from fhe_assistant.backend.tfhe.algorithms.packing_keyswitch import (
    packing_keyswitch_batch,
    packing_keyswitch_rows_into,
)
from fhe_assistant.backend.tfhe.algorithms.wop_pbs import output_digit_bits, split_digits
from fhe_assistant.crypto import noise, wop_model
from fhe_assistant.crypto.security import noise_std_log2_mod

P = 6


def bits_of(xs, q):
    return (np.asarray(xs)[:, None] >> np.arange(q)[None, :]) & 1


@pytest.fixture(scope="module")
def keys():
    return wop_keys()


@pytest.fixture(scope="module")
def extracted(keys):
    """40 random 6-bit inputs, their bits (LSB first) and the extracted LWEs."""
    secret, evaluation = keys
    params = wop_params(P)
    xs = np.random.default_rng(1).integers(0, 2**P, 40)
    cts = encrypt_indices(xs, params, secret, seed=11)
    lwes = T.extract_bits(cts, P, params, evaluation.bootstrap_key_fourier,
                          evaluation.keyswitch_key)
    return params, xs, lwes


def test_extract_bits_gives_the_bits_lsb_first(keys, extracted):
    secret, _ = keys
    params, xs, lwes = extracted
    assert lwes.shape == (40, P, params.lwe_dimension + 1)
    phases = T.lwe_phase(lwes, secret.lwe_key)
    decoded = ((phases + np.uint64(1 << 62)) >> np.uint64(63)).astype(np.int64)
    np.testing.assert_array_equal(decoded, bits_of(xs, P))


def test_extracted_bit_noise_matches_model(keys, extracted):
    secret, _ = keys
    params, xs, lwes = extracted
    errors = signed_errors(T.lwe_phase(lwes, secret.lwe_key),
                           bits_of(xs, P).astype(np.uint64) << np.uint64(63))
    fresh = float(noise.fresh_variance(params.big_lwe_dimension))
    for i in range(P):
        model = float(wop_model.extracted_bit_variance(params, fresh, i))
        assert_model_variance(errors[:, i], model, f"extracted bit {i}")


def test_circuit_bootstrap_rows_decrypt_to_the_ggsw_of_the_bit(keys, extracted):
    secret, evaluation = keys
    params, xs, lwes = extracted
    k, size = params.glwe_dimension, params.polynomial_size
    picked = lwes[:6].reshape(-1, params.lwe_dimension + 1)  # 36 bits
    mu = bits_of(xs[:6], P).reshape(-1).astype(np.uint64)
    ggsw = circuit_bootstrap_ggsw(picked, params, evaluation)
    assert ggsw.shape == (36, params.cb_level, k + 1, k + 1, size)
    body_zero, body_rest, mask_rows = [], [], []
    for j in range(params.cb_level):
        g = np.uint64(1) << np.uint64(64 - (j + 1) * params.cb_base_log)
        body = T.glwe_phase(ggsw[:, j, k], secret.glwe_key)
        expected = np.zeros_like(body)
        expected[:, 0] = mu * g
        err = signed_errors(body, expected)
        body_zero.append(err[:, 0])
        body_rest.append(err[:, 1:].reshape(-1))
        for r in range(k):
            phase = T.glwe_phase(ggsw[:, j, r], secret.glwe_key)
            want = (np.uint64(0) - secret.glwe_key[r])[None, :] * (mu * g)[:, None]
            mask_rows.append(signed_errors(phase, want))
    body0, body_rest_var, mask_var = wop_model.circuit_bootstrap_row_variances(params)
    assert_model_variance(np.concatenate(body_rest), body_rest_var,
                          "GGSW body rows, coefficients > 0")
    assert_model_variance(np.concatenate(body_zero), body0, "GGSW body rows, coefficient 0")
    # mask rows: −S_r × the body row's error + the scheme switch; coefficients of one row
    # share the body's coefficient-0 error, so the χ² count is the number of rows
    errors = np.concatenate(mask_rows)
    ratio = np.var(errors) / mask_var
    print(f"GGSW mask rows: σ = 2**{0.5 * np.log2(np.var(errors)):.2f}, measured/model "
          f"variance {ratio:.3f}")
    assert 0.7 < ratio < 1.4


@pytest.mark.parametrize("q", [2, 3, 5])
def test_vertical_packing_reads_the_table(keys, q):
    secret, evaluation = keys
    params = wop_params(P)
    xs = np.random.default_rng(q).integers(0, 2**q, 4)
    cts = encrypt_indices(xs, params, secret, seed=20 + q)
    lwes = T.extract_bits(cts, q, params, evaluation.bootstrap_key_fourier,
                          evaluation.keyswitch_key)
    ggsw_f = T.circuit_bootstrap(lwes.reshape(4 * q, -1), params, evaluation)
    tables = np.random.default_rng(30 + q).integers(0, 8, (6, 2**q)).astype(np.uint64)
    out = T.vertical_packing(ggsw_f.reshape(4, q, *ggsw_f.shape[1:]), tables << np.uint64(60),
                             params.cb_base_log)
    assert out.shape == (4, 6, params.big_lwe_dimension + 1)
    phases = T.lwe_phase(out, secret.big_lwe_key)
    decoded = ((phases + np.uint64(1 << 59)) >> np.uint64(60)) & np.uint64(15)
    np.testing.assert_array_equal(decoded, tables[:, xs].T)
    errors = signed_errors(phases, (tables[:, xs].T << np.uint64(60)))
    assert_model_variance(errors.reshape(-1), wop_model.vertical_packing_variance(params, q),
                          f"vertical packing output, q={q}")


@pytest.mark.parametrize("digit_bits", [1, 3, 4])
def test_split_digits_recomposes_every_word(digit_bits):
    words = np.random.default_rng(digit_bits).integers(0, 2**63, 64, dtype=np.uint64) << \
        np.uint64(1)
    luts, outputs = split_digits(words, digit_bits)
    assert luts.shape == (-(-63 // digit_bits), 64)
    digits = luts >> np.uint64(63 - digit_bits)
    assert digits.max() < 2**digit_bits
    total = np.zeros(64, dtype=np.uint64)
    for d in range(luts.shape[0]):
        total += outputs[d][digits[d]]
    np.testing.assert_array_equal(total, words)
    assert split_digits(np.arange(4, dtype=np.uint64) << np.uint64(58), 3)[0].shape[0] == 2
    assert split_digits(np.zeros(4, dtype=np.uint64), 3)[0].shape[0] == 1


@pytest.mark.parametrize("q", [1, 2, 3, 4, 5, 6])
def test_wop_lookup_reads_a_random_table(keys, q):
    secret, evaluation = keys
    params = wop_params(P)
    rng = np.random.default_rng(100 + q)
    table = rng.integers(0, 2**P, 2**q)
    encoded = T.encode(table, P)
    xs = rng.integers(0, 2**q, 3)
    out = T.wop_table_lookup(encrypt_indices(xs, params, secret, seed=q), encoded, q, params,
                             evaluation)
    assert out.shape == (3, params.big_lwe_dimension + 1)
    np.testing.assert_array_equal(T.decrypt_lwe(out, secret.big_lwe_key, P), table[xs])


def test_wop_lookup_signed_outputs_and_noise(keys):
    """Negative outputs (two's complement words), 24 lookups: output noise = D·σ²_BR."""
    secret, evaluation = keys
    params, q = wop_params(P), 2
    table = np.array([-32, -1, 0, 31])
    encoded = T.encode(table, P)
    xs = np.tile(np.arange(4), 6)
    out = T.wop_table_lookup(encrypt_indices(xs, params, secret, seed=5), encoded, q, params,
                             evaluation)
    np.testing.assert_array_equal(T.decrypt_lwe(out, secret.big_lwe_key, P, is_signed=True),
                                  table[xs])
    digits = split_digits(encoded, output_digit_bits(params))[0].shape[0]
    assert digits == 3
    errors = signed_errors(T.lwe_phase(out, secret.big_lwe_key), encoded[xs])
    assert_model_variance(errors, wop_model.wop_output_variance(params),
                          f"lookup output ({digits} digits)")


def test_wop_lookup_refuses_bad_input(keys):
    secret, evaluation = keys
    params = wop_params(P)
    cts = encrypt_indices([1], params, secret, seed=1)
    table = np.zeros(4, dtype=np.uint64)
    with pytest.raises(ValueError, match="1 to 16 input bits"):
        T.wop_table_lookup(cts, np.zeros(2**17, dtype=np.uint64), 17, params, evaluation)
    with pytest.raises(ValueError, match="needs message_bit_width >= 7"):
        T.wop_table_lookup(cts, np.zeros(2**7, dtype=np.uint64), 7, params, evaluation)
    with pytest.raises(ValueError, match=r"uint64 \(8,\)"):
        T.wop_table_lookup(cts, table, 3, params, evaluation)
    with pytest.raises(ValueError, match="input ciphertexts"):
        T.wop_table_lookup(cts[:, :-1], table, 2, params, evaluation)
    with pytest.raises(TypeError, match="WopEvaluationKeys"):
        T.wop_table_lookup(cts, table, 2, params, object())
    other = dataclasses.replace(params, pfpks_level=3)
    with pytest.raises(ValueError, match="packing_keyswitch_key has shape"):
        T.wop_table_lookup(cts, table, 2, other, evaluation)


def test_wop_key_sizes_are_below_concretes(keys):
    """Concrete's 12-bit statistics: BSK 318,947,328 B + KSK 82,804,736 B (it does not count
    its 302 MB of private packing keys); ours, as held in memory, must weigh less."""
    _, evaluation = keys
    sizes = T.wop_key_sizes(wop_params(12))
    assert sizes["evaluation_keys"] == evaluation.nbytes
    assert sizes["evaluation_keys"] < 318_947_328 + 82_804_736
    print({name: f"{size / 2**20:.1f} MiB" for name, size in sizes.items()})


def test_sample_extract_at_any_coefficient(rng):
    glwe_key = rng.binary((2, 64))
    glwe = T.encrypt_glwe(rng.uniform_uint64(64), glwe_key, 20.0, rng)
    phase = T.glwe_phase(glwe, glwe_key)
    out = np.empty(2 * 64 + 1, dtype=np.uint64)
    for t in (0, 1, 17, 63):
        sample_extract_at_into(glwe, t, out)
        assert T.lwe_phase(out, glwe_key.reshape(-1)) == phase[t]


def test_many_output_bootstrap_reads_one_function_per_slot(keys):
    """Four constant functions of a bit from one rotation, slot t ≡ coefficient t (mod 4)."""
    secret, evaluation = keys
    params = wop_params(P)
    mu = np.array([0, 1, 1, 0, 1])
    bits = T.encrypt_lwe(mu.astype(np.uint64) << np.uint64(63), secret.lwe_key,
                         noise_std_log2_mod(params.lwe_dimension), T.make_random(3))
    alphas = np.array([1 << 50, 1 << 55, 1 << 40, 1 << 61], dtype=np.uint64)
    out = bootstrap_bit_constants(bits, alphas[:3], evaluation.bootstrap_key_fourier,
                                  params.ks_pbs())
    assert out.shape == (5, 3, params.big_lwe_dimension + 1)
    errors = signed_errors(T.lwe_phase(out, secret.big_lwe_key),
                           mu[:, None].astype(np.uint64) * (2 * alphas[:3])[None, :])
    assert np.abs(errors).max() < 2.0**45  # σ_BR ≈ 2**38


def test_wop_key_shapes_describe_the_keys(keys):
    _, evaluation = keys
    shapes = T.wop_key_shapes(wop_params(12))
    assert set(shapes) == {"bootstrap_key_fourier", "keyswitch_key", "packing_keyswitch_key",
                           "scheme_switch_key_fourier"}
    for name, (shape, dtype) in shapes.items():
        assert getattr(evaluation, name).shape == shape
        assert getattr(evaluation, name).dtype == dtype
    rebuilt = T.WopEvaluationKeys(**{name: getattr(evaluation, name) for name in shapes})
    rebuilt.check(wop_params(12))


@pytest.mark.parametrize("count", [1, 3, 8])
def test_packing_keyswitch_packs_the_phase_on_every_thread_split(keys, count):
    """Identity packing keyswitch: GLWE phase = (LWE phase, 0, …, 0) + noise, the same
    words whether the threads split the key (few LWEs) or the LWEs (many)."""
    secret, evaluation = keys
    params = wop_params(P)
    words = np.random.default_rng(count).integers(0, 2**64, count, dtype=np.uint64)
    lwes = T.encrypt_lwe(words, secret.big_lwe_key, noise_std_log2_mod(params.big_lwe_dimension),
                         T.make_random(count))
    glwes = packing_keyswitch_batch(lwes, evaluation.packing_keyswitch_key,
                                    params.pfpks_base_log, params.pfpks_level)
    key = evaluation.packing_keyswitch_key
    serial = np.empty((count, key.shape[2] * key.shape[3]), dtype=np.uint64)
    packing_keyswitch_rows_into(lwes, key.reshape(key.shape[0], key.shape[1], -1),
                                params.pfpks_base_log, params.pfpks_level, serial, 0,
                                key.shape[0], True)
    np.testing.assert_array_equal(glwes.reshape(count, -1), serial)
    expected = np.zeros((count, params.polynomial_size), dtype=np.uint64)
    expected[:, 0] = T.lwe_phase(lwes, secret.big_lwe_key)
    errors = signed_errors(T.glwe_phase(glwes, secret.glwe_key), expected)
    assert np.abs(errors).max() < 2.0**42  # σ ≈ 2**35 (rounding to 32 bits, key noise)


@pytest.mark.parametrize(("base_log", "level"), [(4, 4), (7, 2), (3, 5)])
def test_external_product_digits_are_balanced(base_log, level):
    """The external product's digits (level > 1) are :func:`decompose`'s balanced ones (mean
    0): with digits in [−B/2, B/2) (mean −1/2) a circuit-bootstrapped GGSW, whose mask rows'
    error is −S_r·e, added e·(−1/2)·Σ S_r coherently (measured: ×10 the vertical packing's
    variance at b_cb = 4, l_cb = 4)."""
    from fhe_assistant.backend.tfhe.algorithms.twisted_digits import decompose_twist_into
    from fhe_assistant.backend.tfhe.fft.tables import fourier_tables

    size, half = 64, 32
    rng = np.random.default_rng(base_log)
    words = rng.integers(0, 2**64, size, dtype=np.uint64)
    words[:8] = np.uint64(1) << np.uint64(63 - base_log * level)  # ties at every level
    tables = fourier_tables(size)
    folded = np.empty((level, 2, half))
    decompose_twist_into(words, np.zeros(size, dtype=np.uint64), base_log, level, tables,
                         folded, 0)
    twist = tables[0] + 1j * tables[1]
    untwisted = (folded[:, 0] + 1j * folded[:, 1]) / twist
    digits = np.concatenate([untwisted.real, untwisted.imag], axis=1).round().astype(np.int64)
    np.testing.assert_array_equal(digits, T.decompose(words, base_log, level))
