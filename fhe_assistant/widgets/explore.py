"""``fhe.explore``: open the assistant on a function, a program, a circuit or a model."""
from __future__ import annotations

import inspect as _inspect
from collections.abc import Callable, Mapping

from ..compiler import Compiler, FHEProgram
from .session import Session
from .targets import CompilerTarget, FunctionTarget, ProgramTarget, Target, infer_knobs


def make_target(obj, inputset=None, y=None, *, sliders: Mapping | None = None,
                accuracy: Callable | None = None, configuration=None, **model_options) -> Target:
    """The ``Target`` that ``explore`` shows for ``obj`` (see ``explore``)."""
    if isinstance(obj, Target):
        return obj
    if isinstance(obj, FHEProgram):
        return ProgramTarget(obj, inputset)
    if isinstance(obj, Compiler):
        if inputset is None:
            raise TypeError("explore(f, inputset): a decorated function needs its inputset")
        return CompilerTarget(obj, inputset, configuration)
    from .models import is_model, model_target
    from .torch_target import TorchTarget, is_torch_model

    if is_torch_model(obj):
        if inputset is None or y is None:
            raise TypeError("explore(torch_model, X, y): give the data to quantize and score on")
        return TorchTarget(obj, inputset, y, sliders)

    if is_model(obj):
        if inputset is None:
            raise TypeError("explore(model, X, y): give the data to quantize and score on")
        return model_target(obj, inputset, y, sliders=sliders, configuration=configuration,
                            **model_options)
    if callable(obj):
        if sliders is None and inputset is not None:
            statuses = {name: "encrypted" for name in _inspect.signature(obj).parameters}
            return CompilerTarget(Compiler(obj, statuses), inputset, configuration)
        return FunctionTarget(obj, infer_knobs(obj, sliders), accuracy, inputset)
    raise TypeError(f"cannot explore a {type(obj).__name__}: give a function decorated with "
                    f"fhe.compiler and its inputset, a program or circuit, a function of "
                    f"tuning knobs, or a built-in model with X and y")


def explore(obj, inputset=None, y=None, *, sliders: Mapping | None = None,
            accuracy: Callable | None = None, configuration=None, graph_height: int = 460,
            **model_options):
    """Open the notebook assistant: the op-graph coloured by bit width, a node inspector,
    the compatibility verdict, the node table, tuning sliders and a run panel.

    Parameters
    ----------
    obj
        One of:

        - a function decorated with ``fhe.compiler`` (give its ``inputset``), or a plain
          function whose parameters are all encrypted;
        - an ``FHEProgram`` (``compiler.trace(inputset)``) or a ``Circuit`` (give the
          inputset to see value histograms and to run samples);
        - a function of integer knobs that builds a program, e.g.
          ``def build(n_bits=4): ... return compiler.trace(inputset)`` (or returns
          ``(program, inputset)`` or a dict with ``program``, ``inputset``, ``accuracy``);
          ``sliders={"n_bits": (2, 8)}`` sets the ranges;
        - a built-in model from ``fhe_assistant.ml`` with ``X`` and ``y``;
        - a ``torch.nn.Module`` or an ONNX model with ``X`` and ``y`` (sliders: n_bits per
          role and the rounding threshold).
    sliders
        ``{name: (min, max)}`` or ``(min, max, default)`` for a build function.
    accuracy
        ``accuracy(program, **settings) -> float`` for a build function: shown next to
        the verdict and plotted against the first knob.

    Returns
    -------
    Explorer
        The widget (display it: make ``fhe.explore(...)`` the last line of a cell).
    """
    from .explorer import Explorer

    target = make_target(obj, inputset, y, sliders=sliders, accuracy=accuracy,
                         configuration=configuration, **model_options)
    return Explorer(Session(target), graph_height=graph_height)
