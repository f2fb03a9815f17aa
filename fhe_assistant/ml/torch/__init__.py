"""torch and ONNX models: ``compile_torch_model`` / ``compile_onnx_model`` (Concrete ML's API).

torch and onnx are optional (``pip install 'fhe-assistant[torch]'``; Brevitas models also
need ``brevitas``, in the ``brevitas`` extra): they are imported when a model is compiled.
"""
from .brevitas import compile_brevitas_qat_model
from .compile import compile_onnx_model, compile_torch_model
from .module import QuantizedModule
from .waterfall import WaterfallStage, accuracy_waterfall

__all__ = ["QuantizedModule", "WaterfallStage", "accuracy_waterfall", "compile_brevitas_qat_model",
           "compile_onnx_model", "compile_torch_model"]
