"""fhe_assistant: take numpy programs and small models to FHE, and see what happens on the way.

The API mirrors ``concrete.fhe``: ``import fhe_assistant as fhe`` then
``@fhe.compiler({"x": "encrypted"})``, ``.compile(inputset)``, ``circuit.simulate(...)``.
"""
from .compilation.utils import inputset
from .compiler import (
    AllComposable,
    AllInputs,
    AllOutputs,
    Circuit,
    Compiler,
    CompositionPolicy,
    Configuration,
    FheFunction,
    FheModule,
    FHEProgram,
    GraphProcessor,
    Input,
    NotComposable,
    Output,
    Wire,
    Wired,
    circuit,
    compiler,
    function,
    module,
)
from .compiler import FheFunction as Function
from .compiler import FheModule as Module
from .compiler import GraphView as Graph
from .compiler.module import ModuleDebugArtifacts
from .core.dtypes import Float, Integer
from .core.errors import (
    CompilationError,
    EvaluationError,
    FHEAssistantError,
    InputError,
    OutOfRangeWarning,
    TracingError,
)
from .core.strategies import *  # the options' enums, as concrete.fhe exports them
from .deploy import Client, ClientSpecs, EvaluationKeys, Keys, Server, Value
from .extensions import (
    AutoRounder,
    AutoTruncator,
    array,
    bits,
    constant,
    hint,
    identity,
    if_then_else,
    multivariate,
    one,
    ones,
    ones_like,
    refresh,
    relu,
    round_bit_pattern,
    tag,
    truncate_bit_pattern,
    zero,
    zeros,
    zeros_like,
)
from .quantization import QuantizedFunction, quantize
from .tracing import LookupTable, conv, maxpool, univariate
from .tracing.typing import *
from .tracing.typing import ANNOTATIONS as _ANNOTATIONS

__version__ = "0.1.0"


def __getattr__(name):
    """``fhe.explore`` loads the notebook widgets only when asked for."""
    if name == "explore":
        from .widgets.explore import explore

        return explore
    raise AttributeError(f"module 'fhe_assistant' has no attribute {name!r}")


def __dir__():
    """Tab completion and ``dir(fhe)`` list the lazily loaded ``explore`` too."""
    return sorted(set(globals()) | {"explore"})


def _progress_bars():
    """Default display of long work (keygen, kernel compilation, batches): tqdm bars."""
    from .widgets.progress import default_bars

    return default_bars()


def _save_picture(obj, path=None, **options):
    from .widgets.export import save_picture

    return save_picture(obj, path, **options)


from .compiler import drawing as _drawing
from .core import progress as _progress

_drawing.register(_save_picture)

_progress.set_default_listener(_progress_bars)


def _register_rich_displays() -> None:
    """Graphs and circuits show as SVG/HTML in Jupyter (also in saved notebooks).

    Registered by type name with IPython's formatters, so the display code in ``widgets/``
    is imported only when something is displayed and no library layer imports it.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return

    def svg(obj):
        from .widgets.reprs import repr_svg

        return repr_svg(obj)

    def html(obj):
        from .widgets.reprs import repr_html

        return repr_html(obj)

    formatters = shell.display_formatter.formatters
    for module_name, name in (("fhe_assistant.compiler.graph_view", "GraphView"),
                              ("fhe_assistant.compiler.program", "FHEProgram")):
        formatters["text/html"].for_type_by_name(module_name, name, html)
    formatters["image/svg+xml"].for_type_by_name("fhe_assistant.compiler.graph_view",
                                                 "GraphView", svg)


_register_rich_displays()

__all__ = [
    "AllComposable",
    "AllInputs",
    "AllOutputs",
    "ApproximateRoundingConfig",
    "AutoRounder",
    "AutoTruncator",
    "BitwiseStrategy",
    "Circuit",
    "Client",
    "ClientSpecs",
    "ComparisonStrategy",
    "CompilationError",
    "Compiler",
    "CompositionPolicy",
    "Configuration",
    "EvaluationError",
    "EvaluationKeys",
    "Exactness",
    "FHEAssistantError",
    "FHEProgram",
    "FheFunction",
    "FheModule",
    "Float",
    "Function",
    "Graph",
    "GraphProcessor",
    "Input",
    "InputError",
    "Integer",
    "Keys",
    "LookupTable",
    "MinMaxStrategy",
    "Module",
    "ModuleDebugArtifacts",
    "MultiParameterStrategy",
    "MultivariateStrategy",
    "NotComposable",
    "OutOfRangeWarning",
    "Output",
    "ParameterSelectionStrategy",
    "QuantizedFunction",
    "SecurityLevel",
    "Server",
    "TracingError",
    "Value",
    "Wire",
    "Wired",
    "array",
    "bits",
    "circuit",
    "compiler",
    "constant",
    "conv",
    "explore",
    "function",
    "hint",
    "identity",
    "if_then_else",
    "inputset",
    "maxpool",
    "module",
    "multivariate",
    "one",
    "ones",
    "ones_like",
    "quantize",
    "refresh",
    "relu",
    "round_bit_pattern",
    "tag",
    "tensor",
    "truncate_bit_pattern",
    "univariate",
    "zero",
    "zeros",
    "zeros_like",
]
__all__ += list(_ANNOTATIONS)
