"""The layering of docs/architecture.md, checked with import-linter (.importlinter).

import-linter reads every import statement, including those inside functions, so the
contracts also rule out cycles closed by function-local imports.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run_python(code: str, *args: str) -> subprocess.CompletedProcess:
    """This interpreter on this checkout (not whatever ``python`` is first on PATH)."""
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT)] + [p for p in environment.get("PYTHONPATH", "").split(os.pathsep) if p])
    return subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True,
                          text=True, env=environment, check=False)


def test_imports_follow_the_contracts():
    try:
        import importlinter  # noqa: F401
    except ImportError:
        pytest.fail("import-linter is not installed: pip install -e .[test]")
    result = _run_python("import sys; from importlinter.cli import lint_imports_command; "
                         "sys.exit(lint_imports_command(sys.argv[1:]))", "--no-cache")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_the_contracts_check_cycles_and_the_runtime_side():
    """The configuration keeps the contracts that make the architecture checkable."""
    text = (ROOT / ".importlinter").read_text()
    assert "type = acyclic_siblings" in text
    assert "fhe_assistant.lowered" in text
    assert text.count("type = forbidden") >= 2


def test_importing_the_package_does_not_load_numba_or_widgets():
    result = _run_python("import sys, fhe_assistant; print(sorted(m for m in "
                         "('numba', 'ipywidgets', 'graphviz') if m in sys.modules))")
    assert result.stdout.strip() == "[]", result.stdout + result.stderr
