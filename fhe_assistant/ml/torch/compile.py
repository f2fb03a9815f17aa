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


def _inputset(inputset) -> np.ndarray:
    if isinstance(inputset, tuple) and len(inputset) > 1:
        raise InputError("models with several inputs are not supported yet: give one array")
    if hasattr(inputset, "detach"):
        inputset = inputset.detach().cpu().numpy()
    return as_float_batch(inputset, None, "inputset")


def _rounding(rounding_threshold_bits) -> tuple[int | None, str]:
    """``(n_bits, method)`` from an int or ``{"n_bits": …, "method": …}``, as Concrete ML.

    The method is ``fhe.Exactness.EXACT`` (Concrete ML's default) or ``APPROXIMATE``, or
    their names; both fold the rounding into the lookup, APPROXIMATE also lets the
    optimizer budget the read's noise for a one-step slip (see ``QuantizationOptions``).
    """
    if not isinstance(rounding_threshold_bits, Mapping):
        return rounding_threshold_bits, "exact"
    unknown = set(rounding_threshold_bits) - {"n_bits", "method"}
    if unknown:
        raise InputError(f"rounding_threshold_bits: unknown key(s) {sorted(unknown)}; "
                         f"use 'n_bits' and 'method'")
    method = rounding_threshold_bits.get("method", Exactness.EXACT)
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


def _onnx_input_shape(onnx_model) -> tuple:
    initializers = {t.name for t in onnx_model.graph.initializer}
    inputs = [i for i in onnx_model.graph.input if i.name not in initializers]
    if len(inputs) != 1:
        raise InputError(f"the ONNX model has {len(inputs)} inputs; one is supported")
    dims = inputs[0].type.tensor_type.shape.dim
    return tuple(d.dim_value if d.HasField("dim_value") else None for d in dims)


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
    inputset = _inputset(torch_inputset)
    expected = _onnx_input_shape(onnx_model)
    sample = inputset.shape[1:]
    if len(expected) != len(sample) + 1 or any(
            e is not None and e != s for e, s in zip(expected[1:], sample)):
        raise InputError(f"the inputset has samples of shape {sample}, the ONNX model's input "
                         f"is {expected} (batch first)")
    imported = import_onnx(onnx_model, [sample])
    rounding_bits, rounding_method = _rounding(rounding_threshold_bits)
    module = QuantizedModule(imported, n_bits, rounding_threshold_bits=rounding_bits,
                             rounding_method=rounding_method)
    module.compile(inputset, configuration=_configuration(configuration, p_error,
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
    the result's ``forward(x, fhe=...)`` runs it quantized, simulated or encrypted.
    """
    _check_options(import_qat, inputs_encryption_status, device)
    inputset = _inputset(torch_inputset)
    onnx_model = export_onnx(torch_model, inputset[:1])
    return compile_onnx_model(onnx_model, inputset, configuration=configuration,
                              show_mlir=show_mlir, n_bits=n_bits,
                              rounding_threshold_bits=rounding_threshold_bits, p_error=p_error,
                              global_p_error=global_p_error)
