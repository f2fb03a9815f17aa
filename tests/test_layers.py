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


def test_a_cycle_closed_inside_a_function_is_caught(tmp_path):
    """The acyclic contract sees imports in function bodies (how the old cycles hid)."""
    package = tmp_path / "cyclic"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from . import b\n")
    (package / "b.py").write_text("def late():\n    from . import a\n    return a\n")
    (tmp_path / ".importlinter").write_text(
        "[importlinter]\nroot_package = cyclic\n\n[importlinter:contract:acyclic]\n"
        "name = acyclic\ntype = acyclic_siblings\nancestors =\n    cyclic\n")
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import os; os.chdir(sys.argv[1]); "
            "from importlinter.cli import lint_imports_command; "
            "sys.exit(lint_imports_command(['--no-cache']))")
    result = _run_python(code, str(tmp_path))
    assert result.returncode != 0 and "BROKEN" in result.stdout, result.stdout + result.stderr


def test_importing_the_package_does_not_load_numba_or_widgets():
    result = _run_python("import sys, fhe_assistant; print(sorted(m for m in "
                         "('numba', 'ipywidgets', 'graphviz') if m in sys.modules))")
    assert result.stdout.strip() == "[]", result.stdout + result.stderr
