"""Magnitude pruning: fewer non-zero weights, narrower accumulators, fewer table lookups.

An accumulator's width grows with the number of terms it sums; zeroing the smallest weights
narrows it (``fraction`` of a layer's weights, or all but ``max_active_neurons`` inputs per
neuron, Concrete ML's knob). A hidden neuron left with no outgoing weight is removed, and
one with no incoming weight is a constant folded into the next layer's bias: each removal
is one table lookup less per sample.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..core.errors import InputError

Layer = tuple[np.ndarray, np.ndarray]   # weights (inputs, outputs), bias (outputs,)


def prune_weights(weights: np.ndarray, fraction: float = 0.0,
                  max_active_neurons: int | None = None) -> np.ndarray:
    """A copy of ``weights`` (``(inputs, outputs)``) with the smallest magnitudes zeroed.

    Examples
    --------
    >>> prune_weights(np.array([[1.0, -0.1], [0.2, 3.0]]), fraction=0.5).tolist()
    [[1.0, 0.0], [0.0, 3.0]]
    >>> prune_weights(np.array([[1.0, -2.0], [0.5, 3.0]]), max_active_neurons=1).tolist()
    [[1.0, 0.0], [0.0, 3.0]]
    """
    if not 0.0 <= fraction < 1.0:
        raise InputError(f"the pruning fraction must be in [0, 1), got {fraction}")
    pruned = np.array(weights, dtype=np.float64, copy=True)
    if fraction > 0 and pruned.size:
        count = round(fraction * pruned.size)
        order = np.argsort(np.abs(pruned), axis=None, kind="stable")[:count]
        pruned.flat[order] = 0.0
    if max_active_neurons is not None:
        if int(max_active_neurons) < 1:
            raise InputError(f"max_active_neurons must be >= 1, got {max_active_neurons}")
        matrix = pruned.reshape(pruned.shape[0], -1)
        keep = int(max_active_neurons)
        if keep < matrix.shape[0]:
            smallest = np.argsort(np.abs(matrix), axis=0, kind="stable")[:-keep]
            np.put_along_axis(matrix, smallest, 0.0, axis=0)
        pruned = matrix.reshape(pruned.shape)
    return pruned


def prune_layers(layers: Sequence[Layer], fraction: float = 0.0,
                 max_active_neurons: int | None = None,
                 activation: Callable[[np.ndarray], np.ndarray] | None = None) -> list[Layer]:
    """Prune every layer's weights, then remove the hidden neurons pruning made useless."""
    pruned = [(prune_weights(w, fraction, max_active_neurons), np.asarray(b, np.float64).copy())
              for w, b in layers]
    return remove_dead_neurons(pruned, activation) if activation is not None else pruned


def remove_dead_neurons(layers: Sequence[Layer],
                        activation: Callable[[np.ndarray], np.ndarray]) -> list[Layer]:
    """Drop hidden neurons without outgoing weights; fold those without incoming ones.

    A neuron whose incoming weights are all zero outputs ``activation(bias)`` for every
    input: that constant moves into the next layer's bias.
    """
    layers = [(np.array(w, np.float64), np.array(b, np.float64)) for w, b in layers]
    for index in range(len(layers) - 1):
        weights, bias = layers[index]
        next_weights, next_bias = layers[index + 1]
        constant = ~np.any(weights != 0, axis=0)
        if constant.any():
            values = activation(bias[constant])
            next_bias = next_bias + values @ next_weights[constant]
        alive = ~constant & np.any(next_weights != 0, axis=1)
        if not alive.any():  # keep one silent neuron so that shapes stay valid
            alive[0] = True
            next_weights = next_weights.copy()
            next_weights[0] = 0.0
        layers[index] = (weights[:, alive], bias[alive])
        layers[index + 1] = (next_weights[alive], next_bias)
    return layers
