#!/usr/bin/env bash
# The README's main command: installs fhe_assistant with its notebook extras (and Graphviz
# when run as root), runs the demo end to end on encrypted data, then opens JupyterLab on
# the notebooks. Extra arguments go to `fhe-assistant notebooks` (e.g. --no-browser, --port).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dot >/dev/null 2>&1 && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null
fi
python3 -m pip install -q -e ".[notebook]"
python3 -m fhe_assistant demo --execute
exec python3 -m fhe_assistant notebooks "$@"
