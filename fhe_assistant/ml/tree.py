"""Decision trees as comparisons, sums and equalities (the GEMM formulation, Hummingbird).

With ``m`` internal nodes and ``l`` leaves, for one sample ``q`` (quantized features):

1. ``t = q[feature] <= threshold``: ``m`` comparisons, one table lookup each;
2. ``s = t @ L + (1 - t) @ R``: for each leaf, how many of the decisions on its path
   went its way (``L``/``R``: 0/1 matrices of left/right turns; leveled, never negative);
3. ``leaf = s == depth``: ``l`` equalities (lookups at ``bit_width(max depth)`` bits);
4. ``scores = leaf @ V``: the reached leaf's quantized class probabilities (leveled).

Every lookup reads either a quantized feature (``n_bits["inputs"]`` bits) or a path count,
so the bootstrap precision is ``max(n_bits["inputs"], bit_width(depth))``: 4–5 bits.

Each feature's quantizer is calibrated on the span of the tree's thresholds on that
feature rather than on the data: values beyond the outermost thresholds take the same
branches, so clipping them loses nothing and the bits go where decisions are made. (The
client therefore learns, per feature, the lowest and highest threshold; the thresholds in
between, the structure and the leaves stay in the circuit.)
"""
from __future__ import annotations

from typing import ClassVar

import numpy as np
from sklearn import tree
from sklearn.base import ClassifierMixin

from ..core.dtypes import integer_bit_width
from ..core.errors import InputError
from ..core.location import role
from ..ir.ops import OpKind
from ..quantization.affine import QValue
from ..quantization.builder import IntegerProgramBuilder
from ..quantization.functions import QuantizedFunction
from ..quantization.n_bits import NBits
from ..quantization.post_training import OutputDecoder, QuantizationOptions, QuantizedProgram
from ..quantization.quantizers import QuantizationParameters
from .base import FHEModel, FHEScoreMixin


class TreeStructure:
    """The matrices of the GEMM formulation, read from a fitted scikit-learn tree."""

    def __init__(self, fitted_tree):
        structure = fitted_tree.tree_
        left, right = structure.children_left, structure.children_right
        internal = np.flatnonzero(left != -1)
        leaves = np.flatnonzero(left == -1)
        position = {node: i for i, node in enumerate(internal)}
        leaf_position = {node: j for j, node in enumerate(leaves)}
        self.features = structure.feature[internal].astype(np.int64)
        self.thresholds = structure.threshold[internal].astype(np.float64)
        self.left_turns = np.zeros((len(internal), len(leaves)), np.int64)
        self.right_turns = np.zeros((len(internal), len(leaves)), np.int64)
        stack = [(0, [])]
        while stack:
            node, path = stack.pop()
            if left[node] == -1:
                for parent, went_left in path:
                    turns = self.left_turns if went_left else self.right_turns
                    turns[position[parent], leaf_position[node]] = 1
                continue
            stack.append((left[node], path + [(node, True)]))
            stack.append((right[node], path + [(node, False)]))
        self.depths = (self.left_turns + self.right_turns).sum(axis=0)
        values = structure.value[leaves][:, 0, :].astype(np.float64)
        totals = values.sum(axis=1, keepdims=True)
        self.leaf_probabilities = values / np.where(totals > 0, totals, 1)

    @property
    def internal_count(self) -> int:
        return len(self.features)

    @property
    def leaf_count(self) -> int:
        return self.leaf_probabilities.shape[0]


def threshold_quantizers(structure: TreeStructure, n_features: int, n_bits: int
                         ) -> tuple[QuantizationParameters, np.ndarray]:
    """Per-feature quantizers over the threshold spans, and each node's integer threshold.

    Feature ``f`` with thresholds in ``[lo, hi]`` gets ``q = clip(floor((x - lo) / s) + 1,
    0, 2**n - 1)`` with ``s = (hi - lo) / (2**n - 2)``: ``lo`` and ``hi`` fall exactly on
    level boundaries, and ``x <= t`` becomes ``q <= floor((t - lo) / s)``.
    """
    top = (1 << n_bits) - 1
    scale = np.ones(n_features)
    zero_point = np.zeros(n_features)
    for feature in np.unique(structure.features):
        thresholds = structure.thresholds[structure.features == feature]
        low, high = thresholds.min(), thresholds.max()
        step = (high - low) / max(top - 1, 1) if high > low else 1.0
        scale[feature] = step
        zero_point[feature] = 0.5 - low / step   # rint(x / s + z) = floor((x - lo) / s) + 1
    params = QuantizationParameters(scale, zero_point, n_bits, False)
    node_scale = scale[structure.features]
    node_low = -(zero_point[structure.features] - 0.5) * node_scale
    integer_thresholds = np.floor((structure.thresholds - node_low) / node_scale + 1e-9)
    return params, np.clip(integer_thresholds, 0, top).astype(np.int64)


def leaf_values(probabilities: np.ndarray, n_bits: int) -> np.ndarray:
    """Leaf probabilities on ``n_bits``, with each leaf's argmax kept strictly highest."""
    top = (1 << n_bits) - 1
    values = np.rint(probabilities * top).astype(np.int64)
    winners = np.argmax(probabilities, axis=1)
    rows = np.arange(len(values))
    others = values.copy()
    others[rows, winners] = -1
    tied = values[rows, winners] <= others.max(axis=1)
    values[rows[tied], winners[tied]] = np.minimum(others.max(axis=1)[tied] + 1, top)
    return values


def tree_program(structure: TreeStructure, n_features: int, n_bits: NBits,
                 X: np.ndarray) -> QuantizedProgram:
    """The integer program of the GEMM formulation (see the module docstring)."""
    params, integer_thresholds = threshold_quantizers(structure, n_features, n_bits.inputs)
    builder = IntegerProgramBuilder()
    with role("tree input (quantized features)"):
        x = builder.input("x", 0, params.quantize(X))
    with role(f"tree: {len(structure.features)} node decisions (x[feature] <= threshold)"):
        selected = builder.op(OpKind.INDEX, [x], {"index": (structure.features,)})
        decisions = builder.op(OpKind.LESS_EQUAL,
                               [selected, builder.constant(integer_thresholds)])
    with role("tree: decisions agreeing with each leaf's path"):
        went_left = builder.op(OpKind.MATMUL, [decisions, builder.constant(structure.left_turns)])
        undecided = builder.op(OpKind.SUBTRACT, [builder.constant(np.int64(1)), decisions])
        went_right = builder.op(OpKind.MATMUL,
                                [undecided, builder.constant(structure.right_turns)])
        agreeing = builder.op(OpKind.ADD, [went_left, went_right])
    with role(f"tree: the leaf reached (of {structure.leaf_probabilities.shape[0]})"):
        reached = builder.op(OpKind.EQUAL, [agreeing, builder.constant(structure.depths)])
    values = leaf_values(structure.leaf_probabilities, n_bits.outputs)
    with role("tree: class scores of the leaf reached"):
        scores = builder.op(OpKind.MATMUL, [reached, builder.constant(values)])
    graph = builder.finish([scores], "decision_tree")
    top = (1 << n_bits.outputs) - 1
    decoder = OutputDecoder(QValue.of(scores, 1.0 / top, 0.0, (values.shape[1],)))
    options = QuantizationOptions(n_bits, None, True, True)
    return QuantizedProgram(None, graph, [params], [decoder], [], options)


class DecisionTreeClassifier(FHEScoreMixin, ClassifierMixin, FHEModel):
    """scikit-learn's DecisionTreeClassifier evaluated under FHE as comparisons + lookups.

    ``n_bits``: ``inputs`` quantize the features (over the thresholds' span; 5 bits keep
    the float tree's decisions on the data sets we test), ``outputs`` the leaf
    probabilities (the predicted class is exact whatever its width).
    """

    sklearn_class = tree.DecisionTreeClassifier
    fhe_parameters: ClassVar[dict] = {"n_bits": {"inputs": 5, "outputs": 4}}
    default_n_bits = NBits(5, 8, 4)

    def _read_float_model(self, fitted) -> None:
        if fitted.n_outputs_ != 1:
            raise InputError("multi-output trees are not supported")
        self.structure_ = TreeStructure(fitted)
        if self.structure_.internal_count == 0:
            raise InputError("the fitted tree is a single leaf: its prediction does not depend "
                             "on the input, there is nothing to compute under FHE")

    def _quantize(self, X: np.ndarray, n_bits: NBits, **_) -> QuantizedFunction:
        program = tree_program(self.structure_, self.n_features_in_, n_bits, X)
        return QuantizedFunction.from_program(program, "decision_tree")

    def prune(self, fraction: float = 0.0, max_active_neurons: int | None = None):
        raise InputError("trees are not pruned by magnitude: set max_depth or ccp_alpha and fit "
                         "again")

    def _float_outputs(self, X: np.ndarray, quantized=None) -> np.ndarray:
        return self.sklearn_model.predict_proba(X)

    @property
    def lookup_bit_width_(self) -> int:
        """Bootstrap precision: quantized features or path counts, whichever is wider."""
        return max(self.n_bits_.inputs, integer_bit_width(0, int(self.structure_.depths.max())))

    def predict_proba(self, X, fhe: str = "disable") -> np.ndarray:
        scores = np.clip(self._model_outputs(X, fhe), 0, None)
        totals = scores.sum(axis=1, keepdims=True)
        return scores / np.where(totals > 0, totals, 1)

    def _predictions(self, scores: np.ndarray) -> np.ndarray:
        return self.classes_[np.argmax(scores, axis=1)]
