"""Execute the notebooks with nbclient (the tests) and refresh their saved outputs.

``python tests/notebooks/run_notebooks.py --write`` runs every notebook top to bottom and
saves it with its outputs, widget views stripped so that the static HTML each explorer
also provides is what a saved notebook (and GitHub) shows without a kernel.
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def execute(path: Path, timeout: int = 900) -> nbformat.NotebookNode:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    return notebook


def strip_widget_views(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Keep the static representations; drop live widget views and their saved state.

    A widget with no static form but its text (a progress bar: ``keygen: 6%|…``, frozen at
    the moment it was displayed) is dropped altogether."""
    for cell in notebook.cells:
        kept = []
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if data.pop(WIDGET_VIEW, None) is not None and set(data) <= {"text/plain"}:
                continue
            kept.append(output)
        if "outputs" in cell:
            cell["outputs"] = kept
    notebook.metadata.pop("widgets", None)
    return notebook


def cell_text(cell) -> str:
    """Everything a code cell printed or displayed, as text (streams, text/plain, HTML)."""
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        elif output.output_type == "error":
            parts.append("\n".join(output.traceback))
        else:
            data = output.get("data", {})
            parts += [data.get("text/plain", ""), data.get("text/html", "")]
    return "\n".join(parts)


def code_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def main(argv: list[str]) -> int:
    write = "--write" in argv
    names = [a for a in argv if not a.startswith("--")]
    paths = [NOTEBOOKS / n for n in names] or sorted(NOTEBOOKS.glob("*.ipynb"))
    for path in paths:
        notebook = execute(path)
        if write:
            nbformat.write(strip_widget_views(notebook), path)
        print(f"{path.name}: ok{' (saved with outputs)' if write else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
