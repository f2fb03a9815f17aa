"""A torch module as an ONNX model (torch's TorchScript exporter, opset 14, eval mode).

A module that fails to export is reported with the module that was running when it failed
(found with forward hooks), as users think in modules, not in exporter internals.
"""
from __future__ import annotations

import io
import warnings

import numpy as np

from ...core.errors import InputError

ONNX_OPSET = 14


def require(package: str):
    """Import an optional dependency, or say which extra installs it."""
    try:
        return __import__(package)
    except ImportError as error:  # pragma: no cover - the test extra installs both
        raise InputError(f"compiling torch/ONNX models needs {package}: "
                         f"pip install 'fhe-assistant[torch]'") from error


def _running_module_names(model):
    """Forward hooks that keep the stack of modules being run (to name a failing one)."""
    stack: list[str] = []
    handles = []
    for name, module in model.named_modules():
        label = name or type(model).__name__

        def enter(module, args, label=label):
            stack.append(label)

        def leave(module, args, output, label=label):
            if stack and stack[-1] == label:
                stack.pop()

        handles.append(module.register_forward_pre_hook(enter))
        handles.append(module.register_forward_hook(leave))
    return stack, handles


def export_onnx(model, samples):
    """``model`` traced on one sample ``(1, *shape)`` per input as an ``onnx.ModelProto``
    (``samples``: one array, or a list of one array per input)."""
    torch = require("torch")
    onnx = require("onnx")
    if not isinstance(model, torch.nn.Module):
        raise InputError(f"compile_torch_model takes a torch.nn.Module, got "
                         f"{type(model).__name__}")
    was_training = model.training
    model.eval()
    stack, handles = _running_module_names(model)
    buffer = io.BytesIO()
    samples = samples if isinstance(samples, list) else [samples]
    dummies = tuple(torch.tensor(np.asarray(s, dtype=np.float32)) for s in samples)
    names = ["x"] if len(dummies) == 1 else [f"x{i}" for i in range(len(dummies))]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(model, dummies, buffer, dynamo=False, opset_version=ONNX_OPSET,
                              input_names=names, output_names=["y"], do_constant_folding=True)
    except Exception as error:  # noqa: BLE001 - any exporter failure is the model's
        modules = dict(model.named_modules())
        where = f" in module {stack[-1]!r} ({type(modules.get(stack[-1], model)).__name__})" \
            if stack else ""
        shapes = ", ".join(str(tuple(d.shape)) for d in dummies)
        raise InputError(f"the torch model does not export to ONNX{where} with input(s) of "
                         f"shape {shapes}: {type(error).__name__}: {error}") from None
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    return onnx.load_from_string(buffer.getvalue())
