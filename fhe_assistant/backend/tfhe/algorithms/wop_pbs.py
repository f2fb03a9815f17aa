"""WoP-PBS table lookups of up to 16 input bits (ePrint 2022/704): bit extraction → circuit
bootstrap → vertical packing → digit bootstraps; and the key generation for them.

Definition
----------
``wop_table_lookup(lwe_in, table, q, params, keys)`` reads, for each input LWE of
x·2**(63 − p) (big key, x ∈ [0, 2**q)), the encoded word table[x]:

1. :func:`.bit_extraction.extract_bits_and_levels`: q LWEs (small key) of x_i·2**63, bit 0
   first, and from the same q blind rotations the LWEs of x_i·g_j the circuit bootstrap
   starts from (one rotation a bit: :mod:`.many_output_bootstrap`);
2. :func:`.circuit_bootstrap.ggsw_from_levels`: q GGSW(x_i), gadget (b_cb, l_cb), to Fourier;
3. the table's words are cut into D digits of w bits, from the top: digit d holds bits
   [lo_d, lo_d + w) of every word (lo_d = 64 − (d+1)·w, clamped at 0), D just enough to
   cover the word's lowest set bit over the table; :func:`.vertical_packing.vertical_packing`
   reads the D digit tables, encoded v·2**(63 − w) (one padding bit), at x;
4. **digit bootstraps**: each digit LWE is keyswitched and bootstrapped with the test
   vector v ↦ v·2**lo_d (the native lookup of :mod:`.table_lookup` on words), and the D
   results are summed: Σ_d digit_d·2**lo_d = table[x] (mod 2**64).

Why step 4: the vertical packing's output noise is that of ~q CMuxes with the circuit
bootstrap's short gadget (σ ≈ 2**50–53 at Concrete's 12-bit parameters), which would drown
a 12- or 16-bit output encoded with Δ = 2**(63 − p) (Concrete keeps 3–4 bits a ciphertext by
splitting integers into CRT blocks; our ciphertexts hold the whole value). A w-bit digit
tolerates it, and its bootstrap leaves only D fresh PBS noises: the output has the noise of
a native lookup's output times D (variance), whatever q is, so the rest of the program's
noise model holds for WoP outputs as it does for native ones.
"""

from __future__ import annotations

import numpy as np

from fhe_assistant.core import progress
from fhe_assistant.crypto.security import noise_std_log2_mod
from fhe_assistant.crypto.wop_parameters import OUTPUT_DIGIT_BITS

from ..entities.fourier_ggsw import ggsw_to_fourier
from ..entities.test_vector import word_test_vectors
from ..entities.wop_keys import WopEvaluationKeys, wop_key_sizes
from .bit_extraction import extract_bits_and_levels
from .bootstrap import bootstrap_batch
from .circuit_bootstrap import ggsw_from_levels, level_alphas
from .key_generation import generate_bootstrap_key, generate_keyswitch_key
from .keyswitch import keyswitch_batch
from .packing_keyswitch import generate_packing_keyswitch_key, generate_scheme_switch_key
from .vertical_packing import vertical_packing

__all__ = [
    "MAX_INPUT_BIT_WIDTH",
    "generate_wop_keys",
    "output_digit_bits",
    "split_digits",
    "wop_table_lookup",
]

MAX_INPUT_BIT_WIDTH = 16


def output_digit_bits(params) -> int:
    """w = ``OUTPUT_DIGIT_BITS``, the bits of each digit the vertical packing outputs (step 3).

    3 (shared with the optimizer, :mod:`fhe_assistant.crypto.wop_parameters`): the digit's bootstrap reads it with a margin of 2**(62 − w) = 2**59 against the
    vertical packing's noise plus the keyswitch and modulus switch ones (σ ≈ 2**55.5 at
    Concrete's 12-bit parameters: a 10σ margin), and one more digit is one more bootstrap.
    """
    del params
    return OUTPUT_DIGIT_BITS


def split_digits(encoded_table, digit_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """The digit tables of step 3 -> (luts uint64 (D, 2**q), test vector words (D, 2**w)).

    ``luts[d, x]`` = digit d of table[x] as v·2**(63 − w); ``words[d, v]`` = v·2**lo_d.
    """
    words = np.ascontiguousarray(encoded_table, dtype=np.uint64)
    nonzero = words[words != 0]
    if nonzero.size == 0:
        lowest = 63
    else:
        low_bits = nonzero & (np.uint64(0) - nonzero)  # the lowest set bit of each word
        lowest = int(np.log2(low_bits.astype(np.float64)).min())
    count = -(-(64 - lowest) // digit_bits)
    luts = np.empty((count, words.size), dtype=np.uint64)
    outputs = np.empty((count, 1 << digit_bits), dtype=np.uint64)
    values = np.arange(1 << digit_bits, dtype=np.uint64)
    for d in range(count):
        high = 64 - d * digit_bits
        low = max(high - digit_bits, 0)
        mask = np.uint64((1 << (high - low)) - 1)
        luts[d] = ((words >> np.uint64(low)) & mask) << np.uint64(63 - digit_bits)
        outputs[d] = (values & mask) << np.uint64(low)
    return luts, outputs


def _check_inputs(lwe_in, encoded_table, input_bit_width, params, keys):
    q, p = int(input_bit_width), params.message_bit_width
    if not 1 <= q <= MAX_INPUT_BIT_WIDTH:
        raise ValueError(f"a WoP lookup reads 1 to {MAX_INPUT_BIT_WIDTH} input bits, got {q}")
    if q > p:
        raise ValueError(f"a {q}-bit lookup needs message_bit_width >= {q}, the parameters "
                         f"have {p}")
    table = np.asarray(encoded_table)
    if table.dtype != np.uint64 or table.shape != (1 << q,):
        raise ValueError(f"expected the encoded table as uint64 ({1 << q},) for {q} input "
                         f"bits, got {table.dtype} {table.shape}")
    lwe_in = np.asarray(lwe_in)
    width = params.glwe_dimension * params.polynomial_size + 1
    if lwe_in.dtype != np.uint64 or lwe_in.ndim != 2 or lwe_in.shape[1] != width:
        raise ValueError(f"expected input ciphertexts uint64 (B, {width}), got {lwe_in.dtype} "
                         f"{lwe_in.shape}")
    if not isinstance(keys, WopEvaluationKeys):
        raise TypeError(f"expected WopEvaluationKeys, got {type(keys).__name__}")
    keys.check(params)


def digit_bootstraps(digit_lwes, output_words, params, keys) -> np.ndarray:
    """Step 4: LWEs (B, D, k·N+1) of digits v·2**(63−w) -> (B, k·N+1) of Σ_d words[d, v_d]."""
    inputs, count, width = digit_lwes.shape
    ks_params = params.ks_pbs()
    small = keyswitch_batch(digit_lwes.reshape(inputs * count, width), keys.keyswitch_key,
                            ks_params)
    test_vectors = np.tile(word_test_vectors(output_words, params.polynomial_size), (inputs, 1))
    clean = bootstrap_batch(small, test_vectors, keys.bootstrap_key_fourier, ks_params)
    return clean.reshape(inputs, count, width).sum(axis=1, dtype=np.uint64)


def wop_table_lookup(lwe_in, encoded_table, input_bit_width: int, params,
                     keys: WopEvaluationKeys) -> np.ndarray:
    """table[x] for LWEs of x (module docstring) -> uint64 (B, k·N + 1) under the big key.

    Parameters
    ----------
    lwe_in : uint64 (B, k·N + 1): encryptions of x·2**(63 − p), x ∈ [0, 2**q)
    encoded_table : uint64 (2**q,): the output words (value·Δ_out mod 2**64), one table
        shared by the batch
    input_bit_width : q, 1 … 16, at most p = ``params.message_bit_width``
    params : WopParameters
    keys : WopEvaluationKeys (:func:`generate_wop_keys`)
    """
    _check_inputs(lwe_in, encoded_table, input_bit_width, params, keys)
    lwe_in = np.ascontiguousarray(lwe_in)
    q, inputs = int(input_bit_width), lwe_in.shape[0]
    if inputs == 0:
        return np.empty_like(lwe_in)
    _, levels = extract_bits_and_levels(lwe_in, q, params, keys.bootstrap_key_fourier,
                                        keys.keyswitch_key, level_alphas(params))
    ggsw = ggsw_from_levels(levels.reshape(inputs * q, *levels.shape[2:]), params, keys)
    ggsw_f = ggsw_to_fourier(ggsw.reshape(inputs, q, *ggsw.shape[1:]))
    luts, output_words = split_digits(encoded_table, output_digit_bits(params))
    digits = vertical_packing(ggsw_f, luts, params.cb_base_log)
    return digit_bootstraps(digits, output_words, params, keys)


def generate_wop_keys(secret_keys, params, rng) -> WopEvaluationKeys:
    """The WoP evaluation keys of ``params`` for ``secret_keys`` (a :class:`SecretKeys` of
    ``params``' shapes), every random word from ``rng`` (:func:`..rng.make_random`)."""
    n, k, size = params.lwe_dimension, params.glwe_dimension, params.polynomial_size
    lwe_key = np.asarray(secret_keys.lwe_key, dtype=np.uint64)
    glwe_key = np.asarray(secret_keys.glwe_key, dtype=np.uint64)
    if lwe_key.shape != (n,) or glwe_key.shape != (k, size):
        raise ValueError(f"secret keys of shapes {lwe_key.shape}, {glwe_key.shape} do not "
                         f"match {params}")
    total = wop_key_sizes(params)["evaluation_keys"]
    with progress.task("keygen", total=total, unit="B",
                       detail=f"WoP evaluation keys {total / 2**20:.0f} MiB") as step:
        bsk = generate_bootstrap_key(lwe_key, glwe_key, params.decomposition_base_log,
                                     params.decomposition_level_count,
                                     noise_std_log2_mod(k * size), rng, on_chunk=step.advance)
        ksk = generate_keyswitch_key(glwe_key.reshape(-1), lwe_key,
                                     params.ks_decomposition_base_log,
                                     params.ks_decomposition_level_count,
                                     noise_std_log2_mod(n), rng)
        step.advance(ksk.nbytes)
        pks = generate_packing_keyswitch_key(glwe_key, params.pfpks_base_log,
                                             params.pfpks_level, rng)
        step.advance(pks.nbytes)
        ssk = generate_scheme_switch_key(glwe_key, params, rng)
        step.advance(ssk.nbytes)
    return WopEvaluationKeys(bsk, ksk, pks, ssk)
