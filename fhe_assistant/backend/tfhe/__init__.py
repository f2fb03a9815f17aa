"""TFHE on 64-bit words with numba kernels: the cryptographic core of the encrypted backend.

Laid out as tfhe-rs's ``core_crypto`` (one job a module):

* ``entities/`` — the data types, one a module: ``plaintext`` (Δ = 2**(63-p), one padding
  bit), ``lwe_ciphertext``, ``glwe_ciphertext``, ``fourier_ggsw``, ``secret_keys``,
  ``evaluation_keys``, ``fourier_bootstrap_key``, ``lwe_keyswitch_key`` (32-bit),
  ``test_vector`` and ``wop_keys`` (the WoP-PBS evaluation keys);
* ``algorithms/`` — the operations, one family a module: ``lwe_encryption``,
  ``lwe_linear_algebra``, ``glwe_encryption``, ``ggsw_encryption``, ``sample_extraction``,
  ``polynomial_products`` (exact), ``decomposition`` (signed gadget), ``twisted_digits``
  (decomposed, twisted FFT inputs), ``fourier_multiply_add``, ``external_product``
  (external product, CMux), ``modulus_switch`` (and the starting accumulator),
  ``bootstrap`` (blind rotation, sample extraction; batches), ``two_thread_bootstrap``
  (one ciphertext's bootstrap on two threads), ``keyswitch``, ``key_generation`` and
  ``table_lookup`` (KS + PBS); the WoP-PBS of lookups up to 16 bits: ``bit_extraction``,
  ``many_output_bootstrap`` (several functions from one rotation), ``packing_keyswitch``
  (LWE → GLWE, scheme switch), ``circuit_bootstrap`` (LWE bit → GGSW),
  ``vertical_packing`` (CMux tree + blind rotation) and ``wop_pbs`` (the lookup, its keys);
* ``fft/`` — the negacyclic f64 FFT: tables, radix-4 kernels, polynomial ↔ spectrum,
  buffer rows, frequency order, the exact reference product;
* ``cpu/`` — CPU plumbing: ``vec4`` (SIMD lanes), ``prefetch``, ``atomics`` (flags
  between threads), ``openmp`` (numba's OpenMP wait policy);
* ``rng`` (CSPRNG / insecure test RNG) and ``key_cache`` (insecure on-disk key cache).

In-place kernels end in ``_into``; functions without it allocate their result. All
arithmetic is modulo 2**64 on ``uint64`` arrays; ciphertext arrays put the LWE words on the
last axis. Section numbers (§) refer to ``shared/docs/tfhe-notes.md``. The names below are
the package's public interface.
"""

from __future__ import annotations

from .algorithms.bit_extraction import extract_bits
from .algorithms.bootstrap import bootstrap_batch
from .algorithms.circuit_bootstrap import circuit_bootstrap
from .algorithms.decomposition import closest_representable, decompose, recompose
from .algorithms.external_product import cmux, external_product
from .algorithms.ggsw_encryption import encrypt_ggsw
from .algorithms.glwe_encryption import encrypt_glwe, glwe_phase
from .algorithms.key_generation import (
    generate_bootstrap_key,
    generate_keys,
    generate_keyswitch_key,
)
from .algorithms.keyswitch import keyswitch_batch
from .algorithms.lwe_encryption import decrypt_lwe, encrypt_lwe, lwe_phase
from .algorithms.lwe_linear_algebra import (
    lwe_add,
    lwe_add_plaintext,
    lwe_dot,
    lwe_mul_clear,
    lwe_neg,
    lwe_sub,
)
from .algorithms.modulus_switch import modulus_switch
from .algorithms.polynomial_products import key_product, monomial_mul
from .algorithms.sample_extraction import sample_extract
from .algorithms.table_lookup import lookup_reference, programmable_bootstrap
from .algorithms.vertical_packing import vertical_packing
from .algorithms.wop_pbs import MAX_INPUT_BIT_WIDTH, generate_wop_keys, wop_table_lookup
from .cpu.openmp import OPENMP_WAIT_POLICY
from .entities.evaluation_keys import EvaluationKeys, key_sizes
from .entities.fourier_bootstrap_key import bootstrap_key_shape
from .entities.fourier_ggsw import ggsw_from_natural_order, ggsw_to_fourier, ggsw_to_natural_order
from .entities.glwe_ciphertext import trivial_glwe
from .entities.lwe_ciphertext import trivial_lwe
from .entities.lwe_keyswitch_key import keyswitch_key_shape, round_to_top_half
from .entities.plaintext import decode, encode
from .entities.secret_keys import SecretKeys
from .entities.test_vector import make_test_vectors
from .entities.wop_keys import WopEvaluationKeys, wop_key_shapes, wop_key_sizes
from .fft import from_fourier, negacyclic_product, negacyclic_product_schoolbook, to_fourier
from .key_cache import InsecureKeyCache
from .rng import InsecureSeededRandom, SecureRandom, make_random

__all__ = [
    "MAX_INPUT_BIT_WIDTH",
    "OPENMP_WAIT_POLICY",
    "EvaluationKeys",
    "InsecureKeyCache",
    "InsecureSeededRandom",
    "SecretKeys",
    "SecureRandom",
    "WopEvaluationKeys",
    "bootstrap_batch",
    "bootstrap_key_shape",
    "circuit_bootstrap",
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
    "extract_bits",
    "from_fourier",
    "generate_bootstrap_key",
    "generate_keys",
    "generate_keyswitch_key",
    "generate_wop_keys",
    "ggsw_from_natural_order",
    "ggsw_to_fourier",
    "ggsw_to_natural_order",
    "glwe_phase",
    "key_product",
    "key_sizes",
    "keyswitch_batch",
    "keyswitch_key_shape",
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
    "round_to_top_half",
    "sample_extract",
    "to_fourier",
    "trivial_glwe",
    "trivial_lwe",
    "vertical_packing",
    "wop_key_shapes",
    "wop_key_sizes",
    "wop_table_lookup",
]

from ..compile_notice import install as _announce_first_compilation

_announce_first_compilation()
