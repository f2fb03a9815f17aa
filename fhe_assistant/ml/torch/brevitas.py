"""``compile_brevitas_qat_model``: quantization-aware-trained Brevitas models (Concrete ML's API).

A Brevitas model carries its quantization: weights fake-quantized on a per-tensor (or
per-channel) grid of ``weight_bit_width`` bits, activations quantized by ``QuantReLU`` /
``QuantIdentity`` / ``QuantHardTanh`` with learned scales. Concrete ML reads those from a
QONNX export (Brevitas' exporter, which needs ``onnxoptimizer``); here the model is turned
into the equivalent plain torch model, which then goes the usual way
(:func:`compile_torch_model`):

* each ``QuantLinear`` / ``QuantConv1d`` / ``QuantConv2d`` becomes its float layer holding the
  *quantized* weights (``quant_weight()``: exactly on Brevitas' grid);
* each quantized activation becomes its activation followed by an explicit fake quantizer
  ``(clip(round(x / s + z), qmin, qmax) − z) · s`` with Brevitas' scale ``s``, zero point ``z``
  and bit width: ONNX ``Div, Add, Round, Clip, Sub, Mul``, elementwise, so it fuses into the
  activation's table lookup and the lookup outputs exactly Brevitas' values;
* the ``QuantIdentity`` that quantizes the model's input is dropped: the client quantizes
  the input instead (no lookup, where an encrypted fake quantizer would cost one per input
  element), on exactly that quantizer's grid: calibration runs on the inputset as that
  quantizer rounds and clips it, plus one sample at each end of its range.

``n_bits`` defaults to the model's own widths (input quantizer, widest weight, widest
activation), so post-training quantization of the converted model reproduces Brevitas'
grids: weights are already on a symmetric grid whose largest value it finds again.
"""
from __future__ import annotations

import copy

import numpy as np

from ...core.errors import InputError
from .compile import _inputsets, compile_torch_model
from .export import require


def _fake_quantizer(torch, scale, zero_point, bit_width: int, signed: bool):
    qmin, qmax = (-(1 << (bit_width - 1)), (1 << (bit_width - 1)) - 1) if signed \
        else (0, (1 << bit_width) - 1)

    class FakeQuant(torch.nn.Module):
        """Brevitas' activation quantizer, written with plain torch ops (exportable)."""

        def __init__(self):
            super().__init__()
            self.register_buffer("scale", scale.detach().clone().float())
            self.register_buffer("zero_point", zero_point.detach().clone().float())

        def forward(self, x):
            q = torch.clamp(torch.round(x / self.scale + self.zero_point), qmin, qmax)
            return (q - self.zero_point) * self.scale

    return FakeQuant()


def _float_layer(torch, module):
    """The float layer with ``module``'s quantized weights (on Brevitas' grid)."""
    nn = torch.nn
    weight = module.quant_weight().value.detach().float()
    bias = None if module.bias is None else module.bias.detach().float()
    if isinstance(module, nn.Linear):
        layer = nn.Linear(module.in_features, module.out_features, bias=bias is not None)
    elif isinstance(module, nn.Conv2d | nn.Conv1d):
        kind = nn.Conv2d if isinstance(module, nn.Conv2d) else nn.Conv1d
        layer = kind(module.in_channels, module.out_channels, module.kernel_size,
                     stride=module.stride, padding=module.padding, dilation=module.dilation,
                     groups=module.groups, bias=bias is not None)
    else:  # pragma: no cover - _convert only calls it for these
        raise InputError(f"{type(module).__name__} is not a supported Brevitas layer")
    layer.weight.data.copy_(weight)
    if bias is not None:
        layer.bias.data.copy_(bias)
    return layer


def _activation(torch, module):
    """The float activation a Brevitas activation module applies before quantizing."""
    name = type(module).__name__
    nn = torch.nn
    if name == "QuantReLU":
        return nn.ReLU()
    if name == "QuantIdentity":
        return nn.Identity()
    if name == "QuantHardTanh":
        return nn.Identity()          # its quantizer's range is the clamp
    if name == "QuantSigmoid":
        return nn.Sigmoid()
    if name == "QuantTanh":
        return nn.Tanh()
    raise InputError(f"Brevitas activation {name} is not supported (QuantReLU, QuantIdentity, "
                     f"QuantHardTanh, QuantSigmoid, QuantTanh are)")


def _input_quantizers(torch, model, sample) -> set[str]:
    """Names of the quantized-activation modules applied directly to the model's input."""
    names: set[str] = set()
    handles = []
    for name, module in model.named_modules():
        if hasattr(module, "act_quant") and type(module).__name__ == "QuantIdentity":
            def hook(module, args, name=name):
                if args and args[0] is sample:
                    names.add(name)
            handles.append(module.register_forward_pre_hook(hook))
    try:
        with torch.no_grad():
            model(sample)
    finally:
        for handle in handles:
            handle.remove()
    return names


def _supported(module) -> bool:
    kind = type(module).__name__
    return (hasattr(module, "quant_weight") and kind in ("QuantLinear", "QuantConv1d",
                                                          "QuantConv2d")) \
        or (hasattr(module, "act_quant") and kind.startswith("Quant"))


def _check_layers(model) -> None:
    """Refuse, by name, every Brevitas module this conversion does not know."""
    known: list[str] = []
    for name, module in model.named_modules():
        if any(name.startswith(k + ".") for k in known):
            continue                        # a quantizer inside a converted layer
        if _supported(module):
            known.append(name)
        elif type(module).__module__.startswith("brevitas"):
            raise InputError(f"Brevitas layer {name!r} ({type(module).__name__}) is not "
                             f"supported (QuantLinear, QuantConv1d/2d and quantized "
                             f"activations are)")


def brevitas_to_float(model, sample: np.ndarray):
    """``(float_model, widths, input_grid)``: the equivalent plain torch model, the model's bit
    widths ``{"inputs", "weights", "outputs"}`` (``None`` where it has no such quantizer)
    and its input quantizer's ``(scale, zero_point, qmin, qmax)`` (``None`` if none)."""
    torch = require("torch")
    require("brevitas")
    if not isinstance(model, torch.nn.Module):
        raise InputError(f"compile_brevitas_qat_model takes a torch.nn.Module, got "
                         f"{type(model).__name__}")
    _check_layers(model)
    model = copy.deepcopy(model).eval()
    grid = None
    example = torch.tensor(np.asarray(sample, dtype=np.float32))
    inputs = _input_quantizers(torch, model, example)
    widths: dict[str, int | None] = {"inputs": None, "weights": None, "outputs": None}
    replacements = {}
    with torch.no_grad():
        for name, module in model.named_modules():
            kind = type(module).__name__
            if hasattr(module, "quant_weight") and kind in ("QuantLinear", "QuantConv1d",
                                                            "QuantConv2d"):
                replacements[name] = _float_layer(torch, module)
                bits = int(module.quant_weight().bit_width)
                widths["weights"] = max(widths["weights"] or 0, bits)
            elif hasattr(module, "act_quant") and kind.startswith("Quant"):
                bits = int(module.act_quant.bit_width())
                if name in inputs:
                    replacements[name] = torch.nn.Identity()
                    widths["inputs"] = max(widths["inputs"] or 0, bits)
                    grid = _grid(module.act_quant.scale(), module.act_quant.zero_point(),
                                 bits, bool(module.act_quant.is_signed))
                    continue
                quantizer = _fake_quantizer(torch, module.act_quant.scale(),
                                            module.act_quant.zero_point(), bits,
                                            bool(module.act_quant.is_signed))
                replacements[name] = torch.nn.Sequential(_activation(torch, module), quantizer)
                widths["outputs"] = max(widths["outputs"] or 0, bits)
    for name, replacement in replacements.items():
        parent, _, attribute = name.rpartition(".")
        setattr(model.get_submodule(parent) if parent else model, attribute, replacement)
    return model, widths, grid


def _grid(scale, zero_point, bit_width: int, signed: bool) -> tuple[float, float, int, int]:
    qmin, qmax = (-(1 << (bit_width - 1)), (1 << (bit_width - 1)) - 1) if signed \
        else (0, (1 << bit_width) - 1)
    return float(scale), float(zero_point), qmin, qmax


def _on_input_grid(x: np.ndarray, grid) -> np.ndarray:
    """The input quantizer's values (Brevitas' fake quantization of ``x``), plus one sample
    at each end of its range: calibrating on them gives the client exactly that grid."""
    scale, zero_point, qmin, qmax = grid
    q = np.clip(np.rint(x / scale + zero_point), qmin, qmax)
    ends = np.stack([np.full(x.shape[1:], qmin), np.full(x.shape[1:], qmax)])
    return (np.concatenate([q, ends]) - zero_point) * scale


def compile_brevitas_qat_model(torch_model, torch_inputset, n_bits=None, configuration=None,
                               artifacts=None, show_mlir: bool = False,
                               rounding_threshold_bits=None, p_error: float | None = None,
                               global_p_error: float | None = None, output_onnx_file=None,
                               verbose: bool = False, inputs_encryption_status=None,
                               reduce_sum_copy: bool = False, device: str = "cpu"):
    """Compile a Brevitas quantization-aware-trained model (Concrete ML's signature).

    ``n_bits`` (default: the model's own widths, see the module docstring) may override
    them; ``output_onnx_file`` saves the ONNX of the converted model. Other arguments as
    :func:`compile_torch_model`.
    """
    inputsets = _inputsets(torch_inputset)
    if len(inputsets) != 1:
        raise InputError("compile_brevitas_qat_model takes models with one input")
    float_model, widths, grid = brevitas_to_float(torch_model, inputsets[0][:1])
    inputset = inputsets[0] if grid is None else _on_input_grid(inputsets[0], grid)
    if n_bits is None:
        default = max((w for w in widths.values() if w), default=8)
        n_bits = {role: widths[role] or default for role in widths}
    if output_onnx_file is not None:
        from .export import export_onnx

        with open(output_onnx_file, "wb") as handle:
            handle.write(export_onnx(float_model, inputsets[0][:1]).SerializeToString())
    return compile_torch_model(float_model, inputset, configuration=configuration,
                               show_mlir=show_mlir, n_bits=n_bits,
                               rounding_threshold_bits=rounding_threshold_bits,
                               p_error=p_error, global_p_error=global_p_error,
                               inputs_encryption_status=inputs_encryption_status,
                               device=device)
