#!/usr/bin/env bash
# The README's test command and what CI runs. Creates (or reuses) the virtual environment
# .venv with fhe_assistant and its test extras, installs Graphviz and Chromium (for the
# real-browser tests) with apt-get when run as root, then runs the whole suite. Arguments
# go to pytest (e.g. -m "not slow").
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/environment.sh

ensure_system_packages dot:graphviz chromium:chromium
ensure_environment test
# numba compiles each kernel once into its cache; tests then load it.
exec "$PYTHON" -m pytest -q -p no:cacheprovider "$@"
