#!/usr/bin/env bash
# The README's main command. Creates (or reuses) the virtual environment .venv with
# fhe_assistant and its notebook extras (and installs Graphviz with apt-get when run as
# root), compiles the TFHE kernels once (`fhe-assistant warmup`), runs the demo end to end
# on encrypted data, then opens JupyterLab on the notebooks. Extra arguments go to
# `fhe-assistant notebooks` (e.g. --no-browser, --port 8899; see its --help).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/environment.sh

ensure_system_packages dot:graphviz
ensure_environment notebook
"$PYTHON" -m fhe_assistant warmup
"$PYTHON" -m fhe_assistant demo --execute
exec "$PYTHON" -m fhe_assistant notebooks "$@"
