"""Concrete's type annotations: ``fhe.uint4``, ``fhe.int6``, ``fhe.tensor[fhe.uint4, 3, 2]``.

Scalar annotations are classes carrying a ``dtype``; ``tensor[...]`` gives a clear
``ValueDescription`` of that dtype and shape (as in Concrete). ``fhe.inputset`` draws random
samples from them.
"""
from __future__ import annotations

from ..dtypes import BaseDataType, Float, Integer
from ..values import ValueDescription


class ScalarAnnotation:
    """A scalar type usable as an annotation or an ``fhe.inputset`` specification."""

    dtype: BaseDataType


class TensorAnnotation:
    """Base of ``tensor``."""


class tensor(TensorAnnotation):
    """``tensor[dtype, *shape]``: a tensor annotation (a clear ``ValueDescription``)."""

    def __class_getitem__(cls, item) -> ValueDescription:
        item = item if isinstance(item, tuple) else (item,)
        annotation = item[0]
        if not (isinstance(annotation, type) and issubclass(annotation, ScalarAnnotation)):
            # Concrete raises ValueError here
            name = getattr(annotation, "__name__", str(annotation))
            raise ValueError(f"First argument to tensor annotations should be an fhe data type "  # noqa: TRY004
                             f"(e.g., fhe.uint4) not {name}")
        if len(item) == 1:
            raise ValueError("Tensor annotations should have a shape "
                             "(e.g., fhe.tensor[fhe.uint4, 3, 2])")
        shape = item[1:]
        if not all(isinstance(x, int) for x in shape):
            raise ValueError("Tensor annotation shape elements must be 'int'")
        dtype = annotation.dtype
        copy = Integer(dtype.is_signed, dtype.bit_width) if isinstance(dtype, Integer) \
            else Float(dtype.bit_width)
        return ValueDescription(copy, shape, is_encrypted=False)


def _scalar(name: str, dtype: BaseDataType) -> type:
    return type(name, (ScalarAnnotation,), {"dtype": dtype, "__doc__": f"Scalar {name}.",
                                            "__module__": __name__})


ANNOTATIONS: dict[str, type] = {}
for _width in range(1, 65):
    ANNOTATIONS[f"uint{_width}"] = _scalar(f"uint{_width}", Integer(False, _width))
    ANNOTATIONS[f"int{_width}"] = _scalar(f"int{_width}", Integer(True, _width))
ANNOTATIONS["f32"] = _scalar("f32", Float(32))
ANNOTATIONS["f64"] = _scalar("f64", Float(64))
globals().update(ANNOTATIONS)


def uint(bit_width: int) -> type:
    """The annotation of an unsigned integer of ``bit_width`` bits."""
    return ANNOTATIONS[f"uint{bit_width}"]


def int_(bit_width: int) -> type:
    """The annotation of a signed integer of ``bit_width`` bits."""
    return ANNOTATIONS[f"int{bit_width}"]


__all__ = ["ANNOTATIONS", "ScalarAnnotation", "TensorAnnotation", "int_", "tensor", "uint"]
__all__ += list(ANNOTATIONS)
