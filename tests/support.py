"""Shared helpers: run a function through ``compile``/``trace`` and compare with numpy."""
from __future__ import annotations

import inspect
import warnings
from dataclasses import dataclass

import numpy as np

import fhe_assistant as fhe

E, C = "encrypted", "clear"


@dataclass(frozen=True)
class Param:
    """One parameter of a function under test: status, sample shape and value range."""

    status: str
    shape: tuple[int, ...]
    low: int
    high: int

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        return rng.integers(self.low, self.high + 1, size=self.shape, dtype=np.int64)

    @property
    def kind(self) -> str:
        sign = "int" if self.low < 0 else "uint"
        shape = "scalar" if self.shape == () else "x".join(map(str, self.shape))
        return f"{self.status[:3]}-{sign}-{shape}"


def enc(shape=(), low=0, high=7) -> Param:
    return Param(E, tuple(shape), low, high)


def clr(shape=(), low=0, high=7) -> Param:
    return Param(C, tuple(shape), low, high)


def _compiler(function, params):
    names = list(inspect.signature(function).parameters)
    assert len(names) == len(params), "one Param per parameter"
    return fhe.compiler({name: p.status for name, p in zip(names, params)})(function)


def _as_inputset(samples, n_params):
    return [s[0] for s in samples] if n_params == 1 else samples


def _assert_same(got, expected, context: str) -> None:
    got_items = got if isinstance(expected, tuple) else (got,)
    expected_items = expected if isinstance(expected, tuple) else (expected,)
    assert isinstance(got, tuple) == isinstance(expected, tuple), context
    for g, e in zip(got_items, expected_items):
        e = np.asarray(e)
        assert np.shape(g) == e.shape, f"{context}: shape {np.shape(g)} != numpy's {e.shape}"
        assert np.array_equal(np.asarray(g), e), f"{context}:\n got {g}\n numpy {e}"


def _stack_outputs(outputs):
    if isinstance(outputs[0], tuple):
        return tuple(np.stack([np.asarray(o[i]) for o in outputs]) for i in range(len(outputs[0])))
    return np.stack([np.asarray(o) for o in outputs])


def check_against_numpy(function, params, *, seed=0, n_inputset=40, n_eval=3, n_batch=4,
                        compile=True):
    """Compile and trace ``function`` and check every ``simulate`` against plain numpy.

    The inputset holds random samples, the corners (every parameter at its low / high
    end) and the evaluation samples, so evaluated values stay inside the measured ranges
    (an ``OutOfRangeWarning`` fails the check). Returns (circuit or None, program).
    """
    rng = np.random.default_rng(seed)

    def draw():
        return tuple(p.sample(rng) for p in params)

    evaluations = [draw() for _ in range(n_eval)]
    batch = [draw() for _ in range(n_batch)]
    corners = [tuple(np.full(p.shape, p.low, dtype=np.int64) for p in params),
               tuple(np.full(p.shape, p.high, dtype=np.int64) for p in params)]
    samples = [draw() for _ in range(n_inputset)] + corners + evaluations + batch
    inputset = _as_inputset(samples, len(params))
    compiler = _compiler(function, params)

    with warnings.catch_warnings():
        warnings.simplefilter("error", fhe.OutOfRangeWarning)
        program = compiler.trace(inputset)
        targets = [("trace", program)]
        circuit = None
        if compile:
            circuit = compiler.compile(inputset)
            targets.append(("compile", circuit))
        batched_args = [np.stack([b[i] for b in batch]) for i in range(len(params))]
        batched_expected = _stack_outputs([function(*b) for b in batch])
        for label, target in targets:
            for args in evaluations:
                _assert_same(target.simulate(*args), function(*args),
                             f"{label}.simulate({', '.join(map(str, args))})")
            _assert_same(target.simulate_batch(*batched_args), batched_expected,
                         f"{label}.simulate_batch(batch of {n_batch})")
    return circuit, program
