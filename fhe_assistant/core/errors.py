"""Errors that say where (node, user source line) and what to change."""
from __future__ import annotations

from .location import SourceLocation


class FHEAssistantError(Exception):
    """Base class of every error this library raises on purpose.

    ``node`` is the graph node at fault when there is one (set by ``ir.printer.node_error``,
    which also writes the node's line and source location into the message).
    """

    node = None


class TracingError(FHEAssistantError):
    """A mistake in the traced function, reported at the user's line."""

    def __init__(self, message: str, location: SourceLocation | None = None, hint: str = ""):
        self.location = location
        self.hint = hint
        text = message
        if location is not None:
            code = location.code
            text += f"\n  at {location.filename}:{location.lineno}" + (f"\n    {code}" if code else "")
        if hint:
            text += f"\n  fix: {hint}"
        super().__init__(text)


class TracingValueError(TracingError, ValueError):
    """A bad value given to an op while tracing (Concrete raises ``ValueError`` there).

    ``str(error)`` is Concrete's text, which programs and tests compare; what is wrong in
    detail, the user's line and the fix are exception notes, which tracebacks print."""

    def __init__(self, message: str, location: SourceLocation | None = None, hint: str = "",
                 detail: str = ""):
        self.location = location
        self.hint = hint
        Exception.__init__(self, message)
        if detail:
            self.add_note(detail)
        if location is not None:
            code = location.code
            self.add_note(f"at {location.filename}:{location.lineno}"
                          + (f"\n    {code}" if code else ""))
        if hint:
            self.add_note(f"fix: {hint}")


class InputError(FHEAssistantError, ValueError):
    """Bad arguments, inputsets or encryption-status dicts."""


class CompilationError(FHEAssistantError):
    """The graph cannot be compiled; the message lists each offending node."""

    def __init__(self, message: str, issues: list | None = None):
        self.issues = list(issues or [])
        super().__init__(message)


class EvaluationError(FHEAssistantError):
    """A node failed while evaluating (simulate, bounds, encrypted run)."""


class OutOfRangeWarning(UserWarning):
    """A simulated value left the range measured on the inputset."""
