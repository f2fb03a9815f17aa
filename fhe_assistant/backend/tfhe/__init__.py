"""TFHE on 64-bit words with numba kernels: the cryptographic core of the encrypted backend.

Layout (one concern per module): ``rng`` (CSPRNG / insecure test RNG), ``encoding``
(Δ = 2**(63-p), one padding bit), ``lwe`` (encryption and leveled ops), ``polynomial``
(exact ring operations), ``fft`` (negacyclic f64 FFT on four SIMD lanes, ``vec4``),
``decomposition`` (signed gadget),
``glwe``, ``ggsw``, ``fourier_digits`` (decomposed, twisted FFT inputs),
``external_product_fourier`` (external product, CMux), ``rotation_start`` (modulus switch,
starting accumulator), ``bootstrap`` (blind rotation, sample extraction; batches),
``bootstrap_lanes`` (one ciphertext's bootstrap on two threads), ``keyswitch``, ``keys``,
``key_cache`` (insecure on-disk key cache), ``pbs`` (table lookups: KS + PBS),
``prefetch`` (a CPU hint), ``atomics`` (acquire/release flags between threads) and
``openmp`` (numba's OpenMP wait policy).

All arithmetic is modulo 2**64 on ``uint64`` arrays; ciphertext arrays put the LWE words
on the last axis. Section numbers (§) refer to ``shared/docs/tfhe-notes.md``.
"""

from __future__ import annotations

from .bootstrap import bootstrap_batch, modulus_switch
from .decomposition import closest_representable, decompose, recompose
from .encoding import decode, encode
from .external_product_fourier import cmux, external_product
from .fft import from_fourier, negacyclic_product, negacyclic_product_schoolbook, to_fourier
from .ggsw import encrypt_ggsw, ggsw_to_fourier
from .glwe import encrypt_glwe, glwe_phase, sample_extract, trivial_glwe
from .key_cache import InsecureKeyCache
from .keys import EvaluationKeys, SecretKeys, generate_bootstrap_key, generate_keys, key_sizes
from .keyswitch import generate_keyswitch_key, keyswitch_batch
from .lwe import (
    decrypt_lwe,
    encrypt_lwe,
    lwe_add,
    lwe_add_plaintext,
    lwe_dot,
    lwe_mul_clear,
    lwe_neg,
    lwe_phase,
    lwe_sub,
    trivial_lwe,
)
from .openmp import OPENMP_WAIT_POLICY
from .pbs import lookup_reference, make_test_vectors, programmable_bootstrap
from .polynomial import key_product, monomial_mul
from .rng import InsecureSeededRandom, SecureRandom, make_random

__all__ = [
    "OPENMP_WAIT_POLICY",
    "EvaluationKeys",
    "InsecureKeyCache",
    "InsecureSeededRandom",
    "SecretKeys",
    "SecureRandom",
    "bootstrap_batch",
    "closest_representable",
    "cmux",
    "decode",
    "decompose",
    "decrypt_lwe",
    "encode",
    "encrypt_ggsw",
    "encrypt_glwe",
    "encrypt_lwe",
    "external_product",
    "from_fourier",
    "generate_bootstrap_key",
    "generate_keys",
    "generate_keyswitch_key",
    "ggsw_to_fourier",
    "glwe_phase",
    "key_product",
    "key_sizes",
    "keyswitch_batch",
    "lookup_reference",
    "lwe_add",
    "lwe_add_plaintext",
    "lwe_dot",
    "lwe_mul_clear",
    "lwe_neg",
    "lwe_phase",
    "lwe_sub",
    "make_random",
    "make_test_vectors",
    "modulus_switch",
    "monomial_mul",
    "negacyclic_product",
    "negacyclic_product_schoolbook",
    "programmable_bootstrap",
    "recompose",
    "sample_extract",
    "to_fourier",
    "trivial_glwe",
    "trivial_lwe",
]

from ..compile_notice import install as _announce_first_compilation  # noqa: E402

_announce_first_compilation()
