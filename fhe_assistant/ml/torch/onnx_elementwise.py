"""ONNX's elementwise ops as numpy functions, and which of them are linear.

Every function takes the node's attributes and its inputs (numpy arrays, batched or not) and
returns the output; the importer composes chains of them into one function per encrypted
value (one table lookup), or applies the linear ones to tracers (free map changes).
"""
from __future__ import annotations

import numpy as np
from scipy import special

_SELU_ALPHA = 1.67326319217681884765625
_SELU_GAMMA = 1.05070102214813232421875


def _relu(attrs, x):
    return np.maximum(x, 0.0)


def _leaky_relu(attrs, x):
    return np.where(x >= 0, x, attrs.get("alpha", 0.01) * x)


def _prelu(attrs, x, slope):
    return np.where(x >= 0, x, slope * x)


def _sigmoid(attrs, x):
    return special.expit(x)


def _hard_sigmoid(attrs, x):
    return np.clip(attrs.get("alpha", 0.2) * x + attrs.get("beta", 0.5), 0.0, 1.0)


def _hard_swish(attrs, x):
    return x * np.clip(x / 6.0 + 0.5, 0.0, 1.0)


def _elu(attrs, x):
    alpha = attrs.get("alpha", 1.0)
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def _selu(attrs, x):
    alpha, gamma = attrs.get("alpha", _SELU_ALPHA), attrs.get("gamma", _SELU_GAMMA)
    return gamma * np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def _celu(attrs, x):
    alpha = attrs.get("alpha", 1.0)
    return np.maximum(x, 0.0) + np.minimum(0.0, alpha * np.expm1(np.minimum(x, 0.0) / alpha))


def _gelu(attrs, x):
    if attrs.get("approximate", "none") == "tanh":
        return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))
    return 0.5 * x * (1 + special.erf(x / np.sqrt(2.0)))


def _clip(attrs, x, low=None, high=None):
    low = attrs.get("min", -np.inf) if low is None else low
    high = attrs.get("max", np.inf) if high is None else high
    return np.minimum(np.maximum(x, low), high)


def _pow(attrs, x, exponent):
    return np.power(x, exponent)


def _unary(function):
    return lambda attrs, x: function(x)


def _binary(function):
    return lambda attrs, a, b: function(a, b)


#: ONNX op type → numpy function ``(attrs, *inputs)``; optional trailing inputs may be absent.
ELEMENTWISE = {
    "Relu": _relu, "LeakyRelu": _leaky_relu, "PRelu": _prelu, "Sigmoid": _sigmoid,
    "Tanh": _unary(np.tanh), "HardSigmoid": _hard_sigmoid, "HardSwish": _hard_swish,
    "Elu": _elu, "Selu": _selu, "Celu": _celu, "Softplus": _unary(lambda x: np.logaddexp(0, x)),
    "Softsign": _unary(lambda x: x / (1 + np.abs(x))),
    "Gelu": _gelu, "Erf": _unary(special.erf), "Exp": _unary(np.exp), "Log": _unary(np.log),
    "Sqrt": _unary(np.sqrt), "Abs": _unary(np.abs), "Reciprocal": _unary(np.reciprocal),
    "Sin": _unary(np.sin), "Cos": _unary(np.cos), "Sign": _unary(np.sign),
    "Floor": _unary(np.floor), "Ceil": _unary(np.ceil), "Round": _unary(np.round),
    "Clip": _clip, "Pow": _pow,
    "Max": _binary(np.maximum), "Min": _binary(np.minimum),
    "Add": _binary(np.add), "Sub": _binary(np.subtract), "Mul": _binary(np.multiply),
    "Div": _binary(np.divide), "Neg": _unary(np.negative),
    "Identity": _unary(lambda x: x), "Dropout": _unary(lambda x: x),
}

#: Ops that are linear in their one encrypted input when every other input is clear
#: (``Div`` only when the encrypted input is the numerator).
LINEAR_WITH_CONSTANTS = frozenset({"Add", "Sub", "Mul", "Neg", "Identity", "Dropout"})


def is_linear(op_type: str, dynamic_positions: list[int]) -> bool:
    """Does this node change only the affine map of its encrypted input(s)?"""
    if op_type in ("Add", "Sub"):
        return True
    if op_type in LINEAR_WITH_CONSTANTS:
        return len(dynamic_positions) == 1
    return op_type == "Div" and dynamic_positions == [0]
