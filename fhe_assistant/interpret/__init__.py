"""The virtual library: clear, exact evaluation of graphs (the executable spec of every op)."""
from . import extension_rules  # noqa: F401 - registers the extensions' rules in RULES
from .interpreter import constant_value, evaluate_graph
from .rules import RULES

__all__ = ["RULES", "constant_value", "evaluate_graph"]
