"""Open JupyterLab on the notebooks: ``fhe-assistant notebooks`` (or
``python -m fhe_assistant.widgets.launch``).

Finds the repository's ``notebooks/`` folder (an editable install keeps it next to the
package; otherwise ``./notebooks``), checks that JupyterLab and Graphviz are there, and
starts ``jupyter lab`` in that folder with the quickstart open.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

FIRST_NOTEBOOK = "01_quickstart.ipynb"


def find_notebooks(start: Path | None = None) -> Path | None:
    """``notebooks/`` beside the package (editable install), else under ``start`` (cwd)."""
    candidates = [Path(__file__).resolve().parents[2] / "notebooks",
                  (start or Path.cwd()) / "notebooks", start or Path.cwd()]
    for candidate in candidates:
        if (candidate / FIRST_NOTEBOOK).is_file():
            return candidate
    return None


def problems() -> list[str]:
    """What is missing to run the notebooks, with the command that installs it."""
    missing = []
    if importlib.util.find_spec("jupyterlab") is None:
        missing.append("JupyterLab is not installed: pip install -e '.[notebook]'")
    if importlib.util.find_spec("anywidget") is None:
        missing.append("anywidget is not installed: pip install -e .")
    if shutil.which("dot") is None:
        missing.append("Graphviz's `dot` is not on the PATH: apt-get install graphviz "
                       "(or brew install graphviz / conda install graphviz)")
    return missing


def command(folder: Path, port: int | None, no_browser: bool, extra: list[str]) -> list[str]:
    arguments = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={folder}"]
    if port is not None:
        arguments.append(f"--port={port}")
    if no_browser:
        arguments.append("--no-browser")
    return arguments + extra + [FIRST_NOTEBOOK]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fhe-assistant notebooks", description=__doc__)
    parser.add_argument("folder", nargs="?", help="folder of notebooks (default: the "
                        "repository's notebooks/)")
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--no-browser", action="store_true",
                        help="print the URL instead of opening a browser")
    parser.add_argument("--dry-run", action="store_true", help="print the command only")
    arguments, extra = parser.parse_known_args(argv)
    folder = Path(arguments.folder).resolve() if arguments.folder else find_notebooks()
    if folder is None or not (folder / FIRST_NOTEBOOK).is_file():
        print(f"no {FIRST_NOTEBOOK} found: run this from the repository root, or give the "
              f"folder of the notebooks", file=sys.stderr)
        return 2
    line = command(folder, arguments.port, arguments.no_browser, extra)
    if arguments.dry_run:
        print(" ".join(line))
        return 0
    missing = problems()
    if missing:
        print("cannot open the notebooks yet:\n  - " + "\n  - ".join(missing), file=sys.stderr)
        return 1
    print(f"opening JupyterLab on {folder} (Ctrl+C stops it)")
    try:
        return subprocess.call(line, cwd=folder, env=dict(os.environ))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
