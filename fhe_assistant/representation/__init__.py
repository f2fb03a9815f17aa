"""Concrete's module path ``concrete.fhe.representation``: how graph elements are written."""
from .utils import format_constant, format_indexing_element

__all__ = ["format_constant", "format_indexing_element"]
