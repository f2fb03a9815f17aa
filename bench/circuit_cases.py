"""The whole-circuit benchmark cases, written once against the ``fhe`` API both sides share.

``fhe`` is ``fhe_assistant`` or ``concrete.fhe``: the same function, inputset and samples
run on each (``bench/circuit_bench.py``), so the two timings measure the same task. The
functions, seeds and inputsets are those of Concrete's anchor cases (tlu_4bit,
tlu_batch_4bit_100, dot_relu_8, seed_linear, add_mul_enc).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

SEED = 20240601


@dataclass
class Case:
    name: str
    function: Callable
    statuses: dict
    inputset: list
    sample: Callable  # rng -> tuple of arguments
    options: dict = field(default_factory=dict)  # compile kwargs, both sides
    note: str = ""


def cases(fhe) -> list[Case]:
    """All cases for one side (``fhe`` is the module to build them with)."""
    tlu_values = np.random.default_rng(SEED + 4).integers(0, 16, 16).tolist()
    table = fhe.LookupTable(tlu_values)

    rng = np.random.default_rng(SEED + 100)
    batch_table = fhe.LookupTable(rng.integers(0, 16, 16).tolist())
    batch_inputset = [rng.integers(0, 16, 100) for _ in range(30)]
    batch_inputset += [np.zeros(100, np.int64), np.full(100, 15, np.int64)]

    weights = np.random.default_rng(SEED + 8).integers(-3, 4, (8, 8))
    rng = np.random.default_rng(SEED + 9)
    dot_inputset = [rng.integers(0, 16, 8) for _ in range(100)]
    dot_inputset += [np.zeros(8, np.int64), np.full(8, 15, np.int64)]

    def dot_relu_8(x):
        y = fhe.round_bit_pattern(x @ weights, lsbs_to_remove=4)
        return np.maximum(y, 0) // 16

    approximate = {}
    exactness = getattr(fhe, "Exactness", None)
    if exactness is not None:  # both sides: the rounding folded into the lookup
        approximate = {"rounding_exactness": exactness.APPROXIMATE}
    return [
        Case("seed_linear", lambda x: np.array([2]) @ x + 2, {"x": "encrypted"},
             list(np.arange(4).reshape(-1, 1)), lambda r: (r.integers(0, 4, 1),)),
        Case("tlu_4bit", lambda x: table[x], {"x": "encrypted"}, list(range(16)),
             lambda r: (int(r.integers(0, 16)),)),
        Case("tlu_batch_4bit_100", lambda x: batch_table[x], {"x": "encrypted"},
             batch_inputset, lambda r: (r.integers(0, 16, 100),)),
        Case("dot_relu_8", dot_relu_8, {"x": "encrypted"}, dot_inputset,
             lambda r: (r.integers(0, 16, 8),), approximate,
             "both sides approximate rounding (folded into the lookup)"),
        Case("dot_relu_8_exact", dot_relu_8, {"x": "encrypted"}, dot_inputset,
             lambda r: (r.integers(0, 16, 8),), {},
             "both sides exact rounding (the default): 4 bit reads per element clear the "
             "removed bits before the lookup"),
        Case("add_mul_enc", lambda x, y: x * y, {"x": "encrypted", "y": "encrypted"},
             [(i, j) for i in range(8) for j in range(8)],
             lambda r: (int(r.integers(0, 8)), int(r.integers(0, 8)))),
    ]
