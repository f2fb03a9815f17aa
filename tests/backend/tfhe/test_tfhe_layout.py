"""The TFHE core's layout (tfhe-rs ``core_crypto``'s): which folder may import which.

cpu/ (plumbing) < fft/ (the transform) < entities/ (data types) < algorithms/ (operations);
every import counts, function-local ones too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from fhe_assistant.backend import tfhe

ROOT = Path(tfhe.__file__).parent
ALLOWED = {
    "cpu": {"cpu"},
    "fft": {"cpu", "fft"},
    "entities": {"cpu", "fft", "entities"},
    "algorithms": {"cpu", "fft", "entities", "algorithms"},
}


def _tfhe_imports(path: Path) -> set[str]:
    """The top-level parts of backend.tfhe (folders or modules) that ``path`` imports."""
    package = path.relative_to(ROOT).parent.parts
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - (node.level - 1)]
            target = (*base, *(node.module.split(".") if node.module else ()))
            names = [alias.name for alias in node.names]
            found.update([target[0]] if target else names)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
            prefix = "fhe_assistant.backend.tfhe."
            if module and module.startswith(prefix):
                found.add(module[len(prefix):].split(".")[0])
    return found


@pytest.mark.parametrize("folder", sorted(ALLOWED))
def test_folders_import_downward_only(folder):
    for path in sorted((ROOT / folder).glob("*.py")):
        imported = _tfhe_imports(path)
        assert imported <= ALLOWED[folder], f"{path.name} imports {sorted(imported)}"


def test_no_module_over_400_lines():
    sizes = {path.relative_to(ROOT): len(path.read_text().splitlines())
             for path in ROOT.rglob("*.py")}
    assert max(sizes.values()) <= 400, sorted(sizes.items(), key=lambda item: -item[1])[:3]


def test_the_checker_reads_relative_imports():
    assert _tfhe_imports(ROOT / "entities" / "plaintext.py") == set()
    assert _tfhe_imports(ROOT / "algorithms" / "table_lookup.py") >= {"entities", "algorithms"}
    assert _tfhe_imports(ROOT / "fft" / "radix4.py") == {"cpu"}
