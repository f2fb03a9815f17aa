"""The layering of shared/docs/design.md, checked with import-linter (.importlinter)."""
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_imports_point_downward_only():
    command = shutil.which("lint-imports")
    if command is None:
        pytest.fail("import-linter is not installed: pip install -e .[test]")
    result = subprocess.run([command, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


def test_importing_the_package_does_not_load_numba_or_widgets():
    code = ("import sys, fhe_assistant; "
            "print(sorted(m for m in ('numba', 'ipywidgets', 'graphviz') if m in sys.modules))")
    result = subprocess.run(["python", "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr
