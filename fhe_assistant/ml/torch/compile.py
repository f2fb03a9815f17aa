"""``compile_torch_model`` / ``compile_onnx_model``: Concrete ML's entry points.

torch module → ONNX (``export``) → float graph of one sample, located at its layers
(``onnx_import``) → post-training quantization calibrated on the inputset → circuit.
Nothing is returned unless every step succeeded.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ...compiler import Configuration
from ...core.errors import InputError
from ...core.strategies import Exactness
from ...quantization.functions import as_float_batch
from .export import export_onnx, require
from .module import QuantizedModule
from .onnx_import import import_onnx


def _inputsets(inputset) -> list[np.ndarray]:
    """One float batch per model input: an array (or tensor), or a tuple of them for a
    model with several inputs (Concrete ML's convention), all with the same sample count."""
    parts = list(inputset) if isinstance(inputset, tuple) else [inputset]
    if not parts:
        raise InputError("the inputset is an empty tuple: give one array per model input")
    batches = []
    for index, part in enumerate(parts):
        if hasattr(part, "detach"):
            part = part.detach().cpu().numpy()
        what = "inputset" if len(parts) == 1 else f"inputset[{index}]"
        batches.append(as_float_batch(part, None, what))
    counts = {len(b) for b in batches}
    if len(counts) > 1:
        raise InputError(f"the inputsets of the model's inputs have different sample counts "
                         f"{[len(b) for b in batches]}")
    return batches


def _rounding(rounding_threshold_bits) -> tuple[int | None, str]:
    """``(n_bits, method)`` from an int or ``{"n_bits": …, "method": …}``, as Concrete ML.

    The method is ``fhe.Exactness.APPROXIMATE`` or ``EXACT``, or their names. Unlike
    Concrete ML (whose default is exact), an int or a dict without ``"method"`` means
    approximate: each lookup reads the accumulator's top bits in its bootstrap and may be
    one step off near a tie, as Concrete ML's approximate method. Exact rounding clears the
    low bits first, one bootstrap per bit, at a noise bound of the accumulator's full width
    (``transforms.exact_rounding``): several times the cost, and for the 14–17-bit
    accumulators of a small CNN no 128-bit parameters at all (``QuantizationOptions``).
    """
    if not isinstance(rounding_threshold_bits, Mapping):
        return rounding_threshold_bits, Exactness.APPROXIMATE.value
    unknown = set(rounding_threshold_bits) - {"n_bits", "method"}
    if unknown:
        raise InputError(f"rounding_threshold_bits: unknown key(s) {sorted(unknown)}; "
                         f"use 'n_bits' and 'method'")
    method = rounding_threshold_bits.get("method", Exactness.APPROXIMATE)
    if isinstance(method, str) and method.lower() in ("exact", "approximate"):
        method = Exactness(method.lower())
    if not isinstance(method, Exactness):
        raise InputError(f"rounding_threshold_bits['method'] must be fhe.Exactness.EXACT or "
                         f"APPROXIMATE, got {method!r}")
    return rounding_threshold_bits.get("n_bits"), method.value


def _configuration(configuration, p_error, global_p_error) -> Configuration:
    configuration = configuration or Configuration()
    if p_error is not None:
        return configuration.fork(p_error=p_error, global_p_error=None)
    if global_p_error is not None:
        return configuration.fork(p_error=None, global_p_error=global_p_error)
    return configuration


def _check_options(import_qat, inputs_encryption_status, device) -> None:
    if import_qat:
        raise InputError("import_qat=True (Brevitas quantization-aware models) is not "
                         "supported: export the float model")
    if inputs_encryption_status is not None and \
            any(s != "encrypted" for s in inputs_encryption_status):
        raise InputError("every input of a torch model is encrypted here")
    if device != "cpu":
        raise InputError(f"device={device!r}: only 'cpu' is supported")


def _onnx_input_shapes(onnx_model) -> dict[str, tuple]:
    initializers = {t.name for t in onnx_model.graph.initializer}
    return {i.name: tuple(d.dim_value if d.HasField("dim_value") else None
                          for d in i.type.tensor_type.shape.dim)
            for i in onnx_model.graph.input if i.name not in initializers}


def _check_shapes(onnx_model, inputsets: list[np.ndarray]) -> None:
    expected = _onnx_input_shapes(onnx_model)
    if len(expected) != len(inputsets):
        raise InputError(f"the ONNX model has {len(expected)} input(s) {list(expected)}, the "
                         f"inputset gives {len(inputsets)} (a tuple of one array per input)")
    for (name, shape), batch in zip(expected.items(), inputsets):
        sample = batch.shape[1:]
        if len(shape) != len(sample) + 1 or any(
                e is not None and e != s for e, s in zip(shape[1:], sample)):
            raise InputError(f"the inputset has samples of shape {sample}, the ONNX model's "
                             f"input {name!r} is {shape} (batch first)")


def compile_onnx_model(onnx_model, torch_inputset, import_qat: bool = False,
                       configuration: Configuration | None = None, artifacts=None,
                       show_mlir: bool = False, n_bits=8, rounding_threshold_bits=None,
                       p_error: float | None = None, global_p_error: float | None = None,
                       verbose: bool = False, inputs_encryption_status=None,
                       reduce_sum_copy: bool = False, device: str = "cpu") -> QuantizedModule:
    """Quantize and compile an ONNX model (a ``ModelProto`` or a path) on ``torch_inputset``.

    Parameters follow Concrete ML's; ``artifacts``, ``show_mlir``, ``verbose`` and
    ``reduce_sum_copy`` have no meaning here and are accepted for compatibility.
    """
    onnx = require("onnx")
    _check_options(import_qat, inputs_encryption_status, device)
    if isinstance(onnx_model, (str, bytes)) or hasattr(onnx_model, "__fspath__"):
        try:
            onnx_model = onnx.load(onnx_model)
        except Exception as error:  # noqa: BLE001 - any reader failure: not an ONNX file
            raise InputError(f"cannot read the ONNX model: {error}") from None
    inputsets = _inputsets(torch_inputset)
    _check_shapes(onnx_model, inputsets)
    imported = import_onnx(onnx_model, [batch.shape[1:] for batch in inputsets])
    rounding_bits, rounding_method = _rounding(rounding_threshold_bits)
    module = QuantizedModule(imported, n_bits, rounding_threshold_bits=rounding_bits,
                             rounding_method=rounding_method)
    module.compile(*inputsets, configuration=_configuration(configuration, p_error,
                                                            global_p_error))
    if show_mlir:
        print(module.circuit)
    return module


def compile_torch_model(torch_model, torch_inputset, import_qat: bool = False,
                        configuration: Configuration | None = None, artifacts=None,
                        show_mlir: bool = False, n_bits=8, rounding_threshold_bits=None,
                        p_error: float | None = None, global_p_error: float | None = None,
                        verbose: bool = False, inputs_encryption_status=None,
                        reduce_sum_copy: bool = False, device: str = "cpu") -> QuantizedModule:
    """Quantize and compile a ``torch.nn.Module`` calibrated on ``torch_inputset``.

    The module is exported to ONNX (eval mode, opset 14) on the inputset's first sample;
    the result's ``forward(x, fhe=...)`` runs it quantized, simulated or encrypted. A model
    with several inputs takes a tuple of inputsets (one array per input) and
    ``forward(x1, x2, …)``.
    """
    _check_options(import_qat, inputs_encryption_status, device)
    inputsets = _inputsets(torch_inputset)
    onnx_model = export_onnx(torch_model, [batch[:1] for batch in inputsets])
    return compile_onnx_model(onnx_model, tuple(inputsets), configuration=configuration,
                              show_mlir=show_mlir, n_bits=n_bits,
                              rounding_threshold_bits=rounding_threshold_bits, p_error=p_error,
                              global_p_error=global_p_error)
