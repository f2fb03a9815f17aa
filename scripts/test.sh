#!/usr/bin/env bash
# Installs everything the test suite needs (system packages, the project with its test
# extras) and runs the whole suite. This is the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    need=()
    command -v dot >/dev/null 2>&1 || need+=(graphviz)
    command -v chromium >/dev/null 2>&1 || need+=(chromium)
    if [ ${#need[@]} -gt 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    fi
fi

python3 -m pip install -q -e ".[test]"
# numba compiles each kernel once into its cache; tests then load it.
exec python3 -m pytest -q -p no:cacheprovider "$@"
