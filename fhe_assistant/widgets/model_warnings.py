"""Warnings a verdict adds when the program compiles but its results are not worth it:
degenerate quantization (every weight 0, constant outputs, accuracy near chance) and
unscaled model inputs. The compatibility check cannot see these: they are about values,
not about what FHE can run.
"""
from __future__ import annotations

import numpy as np

from ..ir.ops import OpKind

#: Accuracy within this of the majority-class rate counts as "near chance".
CHANCE_MARGIN = 0.05
#: Feature ranges differing by more than this factor count as unscaled inputs.
SCALE_RATIO = 20.0
#: Or values this large (in absolute value) in some feature.
LARGE_VALUE = 100.0


def zero_weight_layers(graph) -> list[int]:
    """Matrix products whose clear weights are all zero (a layer that outputs constants)."""
    layers = []
    for node in graph.nodes:
        if node.op is not OpKind.MATMUL:
            continue
        for operand in node.operands:
            weight = graph[operand]
            if weight.op is OpKind.CONSTANT and np.size(weight.attrs["value"]) > 1 \
                    and not np.any(weight.attrs["value"]):
                layers.append(node.id)
    return layers


def unscaled_inputs_warning(X: np.ndarray) -> str | None:
    """Features on very different scales (or very large values) quantized to a few bits."""
    X = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    if X.size == 0:
        return None
    spans = np.ptp(X, axis=0)
    spans = spans[spans > 0]
    largest = float(np.max(np.abs(X)))
    if spans.size and (spans.max() / spans.min() > SCALE_RATIO or largest > LARGE_VALUE):
        return (f"inputs look unscaled (feature ranges from {spans.min():.3g} to "
                f"{spans.max():.3g}, values up to {largest:.3g}): with few input bits the "
                f"small features lose most of their values; standardize X first "
                f"(sklearn.preprocessing.StandardScaler) and refit")
    return None


def model_warnings(model, X, y, built) -> tuple[str, ...]:
    """Warnings for a built-in model at one setting (``built`` from ``ModelTarget.build``)."""
    found = []
    quantized = built.extra.get("quantized")
    if quantized is not None and quantized.program is not None:
        zeros = zero_weight_layers(quantized.program.graph)
        if zeros:
            found.append(f"every weight of {len(zeros)} layer{'s' * (len(zeros) > 1)} "
                         f"(%{', %'.join(map(str, zeros))}) quantizes to 0: the model outputs "
                         f"a constant; raise weight_bits")
    predictions = built.extra.get("predictions")
    if predictions is not None and len(predictions) > 1 and len(np.unique(predictions)) == 1:
        found.append(f"the quantized model gives the same output ({predictions[0]}) for every "
                     f"sample: raise the widths (n_bits) or check the weights")
    if built.accuracy is not None and hasattr(model, "classes_") and len(y):
        _, counts = np.unique(np.asarray(y), return_counts=True)
        chance = counts.max() / counts.sum()
        if built.accuracy <= chance + CHANCE_MARGIN:
            found.append(f"accuracy {built.accuracy:.1%} is no better than chance (always "
                         f"predicting the most frequent class scores {chance:.1%}): the "
                         f"quantization loses what the model learned; raise n_bits")
    scaling = unscaled_inputs_warning(X)
    if scaling is not None:
        found.append(scaling)
    return tuple(found)


def constant_output_warnings(program) -> tuple[str, ...]:
    """For any program: outputs that take one value over the whole inputset."""
    view = program.graph
    found = []
    for output in view.graph.outputs:
        bounds = view.bounds.get(output)
        node = view.graph[output]
        if bounds is not None and node.is_encrypted and bounds.min == bounds.max:
            found.append(f"output %{output} is {bounds.min} for every sample of the inputset: "
                         f"the computation may have collapsed (a shift or rounding that "
                         f"removes every bit?)")
    return tuple(found)
