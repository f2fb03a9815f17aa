"""Observed WoP-PBS error rate against ``crypto.wop_model.wop_lookup_p_error`` (issue 14).

A NOISE-MODEL TEST ONLY: the parameters are deliberately weak and NOT SECURE (Concrete's
12-bit keys, ``wop_support``, with the circuit bootstrap's gadget cut to one level of 9
bits), so that a 2-bit lookup fails ~17 % of the time instead of ~1e-8 and a few hundred
lookups can count the failures. Bit extraction stays far from its bound (σ ≈ 2**56.6 vs
2**62); the failures are digit bootstraps misreading the vertical packing's output, whose
noise is then dominated by the decomposition rounding of its external products.

What the model does and does not describe (measured, per input x = x_0 + 2·x_1):

* the model charges each of the q external products of the vertical packing the
  decomposition rounding with E[μ²] = 1/2 (Concrete's external-product formula, averaged
  over the GGSW's bit);
* the kernel's first external product (rotation by bit 0 of a trivial table GLWE) is exact,
  and the rounding of the others is multiplied by their bit: an input with x_1 = 1 sees one
  full rounding, R = the model's 2·R/2 (σ ≈ 2**58.2, as the model), one with x_1 = 0 almost
  nothing (σ ≈ 2**51.5).

So at q = 2 the model's p_error is the exact rate of the inputs with x_1 = 1 (tested
two-sided, binomial) and the inputs with x_1 = 0 never fail. (At q ≥ 3 the two effects no
longer cancel: the model over-estimates the average input and under-estimates an input
whose bits 1 … q − 1 are all set, (q − 1)·R against q·R/2.)
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from test_error_rate import assert_error_count
from wop_support import CONCRETE_12_BIT, encrypt_indices, wop_keys

from fhe_assistant.backend import tfhe as T
from fhe_assistant.backend.tfhe.algorithms.wop_pbs import output_digit_bits, split_digits
from fhe_assistant.crypto import wop_model

#: same keys as wop_support (cb_* is only the gadget of the circuit-bootstrapped GGSWs);
#: p = 5 so the two 3-bit digits cover the word exactly: any misread digit is a wrong value
WEAK = dataclasses.replace(CONCRETE_12_BIT, cb_base_log=9, cb_level=1, message_bit_width=5)
Q = 2
TABLE = np.array([5, 18, 27, 12])  # odd entries: both digits are bootstrapped
BATCHES, BATCH = 3, 128


@pytest.mark.slow
def test_wop_error_rate_matches_the_model_at_weak_parameters():
    secret, evaluation = wop_keys()
    p = WEAK.message_bit_width
    encoded = T.encode(TABLE, p)
    assert split_digits(encoded, output_digit_bits(WEAK))[0].shape[0] == 2
    promised = wop_model.wop_lookup_p_error(WEAK, Q)
    assert 0.1 < promised < 0.25, promised
    report = wop_model.wop_noise_report(WEAK, Q)
    assert report.worst_bit_bootstrap_input < 57  # bits: no failures to speak of

    rng = np.random.default_rng(14)
    xs, wrong = [], []
    for batch in range(BATCHES):
        x = rng.integers(0, 2**Q, BATCH)
        out = T.wop_table_lookup(encrypt_indices(x, WEAK, secret, seed=1400 + batch), encoded,
                                 Q, WEAK, evaluation)
        xs.append(x)
        wrong.append(T.decrypt_lwe(out, secret.big_lwe_key, p) != TABLE[x])
    xs, wrong = np.concatenate(xs), np.concatenate(wrong)
    high = xs >= 2  # x_1 = 1: the vertical packing's one inexact external product counts
    print(f"WoP weak set: p_error {promised:.4f}; wrong {int(wrong[high].sum())}/"
          f"{int(high.sum())} with x_1 = 1, {int(wrong[~high].sum())}/{int((~high).sum())} "
          f"with x_1 = 0")
    assert int(wrong[~high].sum()) == 0
    assert_error_count(int(wrong[high].sum()), int(high.sum()), promised)
