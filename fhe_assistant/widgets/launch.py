"""Open JupyterLab on the notebooks: ``fhe-assistant notebooks`` (or
``python -m fhe_assistant.widgets.launch``).

Finds the repository's ``notebooks/`` folder (an editable install keeps it next to the
package; otherwise ``./notebooks``), checks that JupyterLab and Graphviz are there, and
starts ``jupyter lab`` in that folder with the quickstart open. Run as root (a container,
a fresh cloud machine), it passes Jupyter's ``--allow-root``, which Jupyter otherwise
demands before it starts.
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


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def command(folder: Path, port: int | None, no_browser: bool, extra: list[str],
            allow_root: bool = False) -> list[str]:
    arguments = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={folder}"]
    if port is not None:
        arguments.append(f"--port={port}")
    if no_browser:
        arguments.append("--no-browser")
    if allow_root and "--allow-root" not in extra:
        arguments.append("--allow-root")
    return arguments + extra + [FIRST_NOTEBOOK]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="fhe-assistant notebooks", description=__doc__,
        epilog="Other options go to `jupyter lab` (e.g. --ip=0.0.0.0).",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", nargs="?", help="folder of notebooks (default: the "
                        "repository's notebooks/)")
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--no-browser", action="store_true",
                        help="print the URL instead of opening a browser")
    parser.add_argument("--allow-root", action=argparse.BooleanOptionalAction, default=None,
                        help="pass Jupyter's --allow-root (default: on when running as root, "
                             "where Jupyter refuses to start without it)")
    parser.add_argument("--dry-run", action="store_true", help="print the command only")
    arguments, extra = parser.parse_known_args(argv)
    folder = Path(arguments.folder).resolve() if arguments.folder else find_notebooks()
    if folder is None or not (folder / FIRST_NOTEBOOK).is_file():
        print(f"no {FIRST_NOTEBOOK} found: run this from the repository root, or give the "
              f"folder of the notebooks", file=sys.stderr)
        return 2
    allow_root = running_as_root() if arguments.allow_root is None else arguments.allow_root
    line = command(folder, arguments.port, arguments.no_browser, extra, allow_root)
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
