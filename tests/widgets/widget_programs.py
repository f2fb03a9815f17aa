"""Programs the widget tests look at (fixtures are in conftest.py)."""
from __future__ import annotations

import numpy as np

import fhe_assistant as fhe

#: The lookup width limit these tests were written for (the default is 16).
LIMIT = 8
CONFIGURATION = fhe.Configuration(maximum_tlu_bit_width=LIMIT)


@fhe.compiler({"x": "encrypted"})
def linear_model(x):
    return [2] @ x + 2


@fhe.compiler({"x": "encrypted"})
def too_wide(x):
    y = (np.sin(x) * 10).astype(np.int64)
    return (x * 40 + y) ** 2 // 3


@fhe.compiler({"x": "encrypted"})
def relu_half(x):
    y = 3 * x - 20
    return np.maximum(y, 0) // 2


def build_quantized(n_bits=3, rounding=0):
    """A knob function: a dot product whose accumulator grows with n_bits."""
    weights = np.array([3, -2, 1, 2])
    inputset = np.random.default_rng(0).integers(0, 2**n_bits, size=(50, 4))

    @fhe.compiler({"x": "encrypted"})
    def score(x):
        acc = x @ weights
        if rounding:
            acc = fhe.round_bit_pattern(acc, lsbs_to_remove=rounding)
        return np.maximum(acc, 0) // 4

    program = score.trace(inputset, maximum_tlu_bit_width=LIMIT)
    expected = np.maximum(inputset @ weights, 0) // 4
    return {"program": program, "inputset": inputset, "function": score.function,
            "accuracy": lambda p: float(np.mean(p.simulate_batch(inputset) == expected))}
