"""Property tests: random chains of ops on an encrypted input (plus clear constants) give
numpy's result through ``trace().simulate`` and, when compatible, ``compile().simulate``."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fhe_assistant as fhe

TABLE = fhe.LookupTable([5, -3, 0, 7, 2, -8, 1, 4])


def _square_mod(t):
    return (t * t) % 7 - 3


#: op name -> (v, x, a, b) -> new value; v is the running value, x the encrypted input,
#: a a small signed constant, b a small non-zero constant.
STEPS = {
    "add_const": lambda v, x, a, b: v + a,
    "sub_const": lambda v, x, a, b: v - a,
    "rsub_const": lambda v, x, a, b: a - v,
    "mul_const": lambda v, x, a, b: v * a,
    "negative": lambda v, x, a, b: -v,
    "abs": lambda v, x, a, b: np.abs(v),
    "floor_divide": lambda v, x, a, b: v // b,
    "remainder": lambda v, x, a, b: v % b,
    "maximum": lambda v, x, a, b: np.maximum(v, a),
    "minimum": lambda v, x, a, b: np.minimum(v, a),
    "clip": lambda v, x, a, b: np.clip(v, a, a + abs(b)),
    "greater": lambda v, x, a, b: (v > a).astype(np.int64),  # numpy refuses -bool
    "less_equal": lambda v, x, a, b: (v <= a) * b,
    "where": lambda v, x, a, b: np.where(v > a, v, b),
    "lookup_table": lambda v, x, a, b: TABLE[v % 8],
    "univariate": lambda v, x, a, b: fhe.univariate(_square_mod)(v),
    "round_bit_pattern": lambda v, x, a, b: fhe.round_bit_pattern(v, 1),
    "float_sin": lambda v, x, a, b: (np.sin(v) * a).astype(np.int64),
    "float_divide": lambda v, x, a, b: np.floor(v / b).astype(np.int64),
    "float_sqrt": lambda v, x, a, b: (np.sqrt(np.abs(v)) * b).astype(np.int64),
    "add_input": lambda v, x, a, b: v + x,
    "subtract_input": lambda v, x, a, b: x - v,
    "multiply_input": lambda v, x, a, b: v * x,
    "maximum_input": lambda v, x, a, b: np.maximum(v, x),
    "less_than_input": lambda v, x, a, b: (v < x).astype(np.int64),
    "broadcast_constant": lambda v, x, a, b: v + np.arange(np.shape(v)[-1]) * a
    if np.ndim(v) else v + a,
    "reverse": lambda v, x, a, b: v[::-1] if np.ndim(v) else v,
    "transpose_round_trip": lambda v, x, a, b: np.transpose(v.T + a),
    "reshape_round_trip": lambda v, x, a, b: np.reshape(np.ravel(v), np.shape(v)),
    "concatenate_then_slice": lambda v, x, a, b: np.concatenate([v, v])[:np.shape(v)[0]]
    if np.ndim(v) else v,
    "stack_then_index": lambda v, x, a, b: np.stack([v, v * a])[1] - v,
}

FINALS = {
    "none": lambda v: v,
    "sum": lambda v: np.sum(v),
    "sum_last_axis_keepdims": lambda v: np.sum(v, axis=-1, keepdims=True) if np.ndim(v) else v,
    "matmul": lambda v: v @ np.arange(1, np.shape(v)[-1] + 1) if np.ndim(v) else v * 3,
}


def build(steps, final):
    def function(x):
        v = x
        for name, a, b in steps:
            v = STEPS[name](v, x, a, b)
        return FINALS[final](v)

    function.__name__ = "chain_" + "_".join(name for name, _, _ in steps)
    return function


step = st.tuples(st.sampled_from(sorted(STEPS)), st.integers(-3, 3),
                 st.integers(1, 4).flatmap(lambda b: st.sampled_from([b, -b])))


@st.composite
def programs(draw):
    shape = draw(st.sampled_from([(), (3,), (2, 3)]))
    span = draw(st.sampled_from([15, 15, 15, 300]))  # wide inputs give incompatible programs
    low = draw(st.integers(-span // 2 - 1, 0))
    high = draw(st.integers(low + 1, low + span))
    samples = draw(st.lists(hnp.arrays(np.int64, shape, elements=st.integers(low, high)),
                            min_size=2, max_size=8))
    steps = draw(st.lists(step, min_size=1, max_size=5))
    final = draw(st.sampled_from(sorted(FINALS)))
    return steps, final, samples


def _assert_equal(got, expected, what):
    assert np.shape(got) == np.shape(expected), \
        f"{what}: shape {np.shape(got)} vs {np.shape(expected)}"
    assert np.array_equal(np.asarray(got), np.asarray(expected)), f"{what}: {got} vs {expected}"


@settings(max_examples=120, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(programs())
def test_random_op_chains_match_numpy(program):
    steps, final, samples = program
    function = build(steps, final)
    compiler = fhe.compiler({"x": "encrypted"})(function)
    expected = [function(sample) for sample in samples]
    batch = np.stack(samples)
    with warnings.catch_warnings():
        warnings.simplefilter("error", fhe.OutOfRangeWarning)
        traced = compiler.trace(samples)
        targets = [("trace", traced)]
        if traced.is_compatible:
            targets.append(("compile", compiler.compile(samples)))
        for label, target in targets:
            _assert_equal(target.simulate(samples[0]), expected[0], f"{label} single")
            _assert_equal(target.simulate_batch(batch),
                          np.stack([np.asarray(e) for e in expected]), f"{label} batched")


@pytest.mark.parametrize("steps", [
    [("multiply_input", 1, 1), ("add_const", 2, 1), ("univariate", 0, 1)],
    [("float_sin", 3, 1), ("add_input", 0, 1), ("lookup_table", 0, 1)],
    [("round_bit_pattern", 0, 1), ("float_sqrt", 0, 2), ("less_than_input", 0, 1)],
])
def test_known_chains(steps):
    """A few fixed chains (regressions found while writing the property test stay here)."""
    function = build(steps, "sum")
    samples = [np.array([-4, 0, 3]), np.array([3, -2, 2]), np.array([1, 1, -1])]
    compiler = fhe.compiler({"x": "encrypted"})(function)
    for target in (compiler.trace(samples), compiler.compile(samples)):
        _assert_equal(target.simulate_batch(np.stack(samples)),
                      np.stack([function(s) for s in samples]), "batched")


# -- random expression trees over two parameters (broadcasting, clear / encrypted mixes) -------

UNARY = {
    "neg": lambda a: -a, "abs": np.abs, "relu": lambda a: np.maximum(a, 0),
    "half": lambda a: a // 2, "mod5": lambda a: a % 5, "sq": lambda a: fhe.univariate(
        lambda t: t * t // 8)(a), "float": lambda a: np.rint(np.cos(a) * 3).astype(np.int64),
    "gt1": lambda a: (a > 1).astype(np.int64),
    "sum_keep": lambda a: np.sum(a, axis=-1, keepdims=True) if np.ndim(a) else a,
}
BINARY = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "max": np.maximum, "min": np.minimum,
    "lt": lambda a, b: np.less(a, b).astype(np.int64),
    "eq": lambda a, b: np.equal(a, b).astype(np.int64), "where": lambda a, b: np.where(a > b, a, b),
}


def trees(depth):
    leaves = st.sampled_from([("x",), ("y",), ("const", 2), ("const", -3)])
    if depth == 0:
        return leaves
    sub = trees(depth - 1)
    return st.one_of(
        leaves,
        st.tuples(st.just("unary"), st.sampled_from(sorted(UNARY)), sub),
        st.tuples(st.just("binary"), st.sampled_from(sorted(BINARY)), sub, sub),
    )


def evaluate_tree(tree, x, y):
    kind = tree[0]
    if kind == "x":
        return x
    if kind == "y":
        return y
    if kind == "const":
        return np.int64(tree[1])
    if kind == "unary":
        return UNARY[tree[1]](evaluate_tree(tree[2], x, y))
    return BINARY[tree[1]](evaluate_tree(tree[2], x, y), evaluate_tree(tree[3], x, y))


@settings(max_examples=80, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(tree=trees(3), y_shape=st.sampled_from([(), (3,), (2, 1), (2, 3)]),
       y_status=st.sampled_from(["encrypted", "clear"]), data=st.data())
def test_random_expression_trees_over_two_parameters(tree, y_shape, y_status, data):
    def function(x, y):
        return evaluate_tree(tree, x, y) + x * 0  # always depends on encrypted x

    samples = data.draw(st.lists(st.tuples(
        hnp.arrays(np.int64, (2, 3), elements=st.integers(-6, 6)),
        hnp.arrays(np.int64, y_shape, elements=st.integers(-6, 6))), min_size=2, max_size=6))
    compiler = fhe.compiler({"x": "encrypted", "y": y_status})(function)
    xs, ys = np.stack([s[0] for s in samples]), np.stack([s[1] for s in samples])
    expected = np.stack([np.asarray(function(*s)) for s in samples])
    with warnings.catch_warnings():
        warnings.simplefilter("error", fhe.OutOfRangeWarning)
        traced = compiler.trace(samples)
        targets = [traced] + ([compiler.compile(samples)] if traced.is_compatible else [])
        for target in targets:
            _assert_equal(target.simulate_batch(xs, ys), expected, "batched")
            _assert_equal(target.simulate(*samples[-1]), expected[-1], "single")
