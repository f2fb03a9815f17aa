"""Encoding with one padding bit: Δ = 2**(63-p), two's complement mod 2**(p+1)."""

from __future__ import annotations

import numpy as np
import pytest

from fhe_assistant.backend.tfhe import decode, encode


@pytest.mark.parametrize("p", [1, 2, 4, 7, 8, 12])
def test_roundtrip_unsigned_and_signed(p):
    unsigned = np.arange(2 ** (p + 1))
    assert np.array_equal(decode(encode(unsigned, p), p), unsigned)
    signed = np.arange(-(2**p), 2**p)
    assert np.array_equal(decode(encode(signed, p), p, is_signed=True), signed)


def test_encode_definition():
    p = 4
    assert encode(3, p) == np.uint64(3 << 59)
    assert encode(-1, p) == np.uint64(((1 << 5) - 1) << 59)  # -1 mod 2**5
    assert encode(np.array([[1, 2]]), p).dtype == np.uint64


@pytest.mark.parametrize("p", [2, 4, 8])
def test_decode_rounds_to_nearest(p):
    delta = 1 << (63 - p)
    messages = np.arange(2 ** (p + 1))
    rng = np.random.default_rng(p)
    noise = rng.integers(-(delta // 2) + 1, delta // 2, messages.size)
    phases = encode(messages, p) + noise.astype(np.uint64)
    assert np.array_equal(decode(phases, p), messages)
    # just below half a step rounds down, half a step rounds up
    assert decode(encode(5, p) + np.uint64(delta // 2 - 1), p) == 5
    assert decode(encode(5, p) + np.uint64(delta // 2), p) == 6
    # the top message wraps to 0
    assert decode(encode(2 ** (p + 1) - 1, p) + np.uint64(delta // 2), p) == 0
