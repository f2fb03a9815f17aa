"""Concrete's data types (``concrete.fhe.dtypes``): ``Integer``, ``SignedInteger``,
``UnsignedInteger``, ``Float``, with Concrete's methods (``min()``, ``max()``,
``that_can_represent``).

These are the user-facing types that programs written for Concrete build (inputset ranges,
``ValueDescription``, type hints). Internally the compiler uses ``core.dtypes``; ``to_core``
and ``from_core`` convert.
"""
from .base import BaseDataType
from .float import Float
from .integer import Integer, SignedInteger, UnsignedInteger
from .utils import combine_dtypes, from_core, to_core

__all__ = ["BaseDataType", "Float", "Integer", "SignedInteger", "UnsignedInteger",
           "combine_dtypes", "from_core", "to_core"]
