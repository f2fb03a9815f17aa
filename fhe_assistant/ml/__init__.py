"""Built-in models with the scikit-learn API that compile to FHE.

``fit`` trains with scikit-learn in float; the model is then quantized (``n_bits``),
``compile(X)`` builds the circuit and ``predict(X, fhe="disable" | "simulate" | "execute")``
runs it. ``quantization_report`` compares bit widths, accuracy and predicted latency.
"""
from .base import FHEModel
from .linear import LinearRegression, LinearSVC, LogisticRegression, Ridge
from .mlp import MLPClassifier, MLPRegressor
from .torch import (
    QuantizedModule,
    compile_brevitas_qat_model,
    compile_onnx_model,
    compile_torch_model,
)
from .tree import DecisionTreeClassifier

__all__ = [
           "DecisionTreeClassifier",
           "FHEModel",
           "LinearRegression",
           "LinearSVC",
           "LogisticRegression",
           "MLPClassifier",
           "MLPRegressor",
           "QuantizedModule",
           "Ridge",
           "compile_brevitas_qat_model",
           "compile_onnx_model",
           "compile_torch_model",
]
