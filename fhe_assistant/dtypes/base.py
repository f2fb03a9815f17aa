"""``BaseDataType``: what every user-facing data type is."""
from __future__ import annotations

from abc import ABC, abstractmethod


class BaseDataType(ABC):
    """A data type users name (``Integer``, ``Float``); compared by value."""

    @abstractmethod
    def __eq__(self, other: object) -> bool:
        """Same kind and same parameters."""

    @abstractmethod
    def __str__(self) -> str:
        """Concrete's notation: ``uint5``, ``int3``, ``float64``."""

    def __repr__(self) -> str:
        return str(self)

    __hash__ = None
