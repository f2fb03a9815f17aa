# Sourced by scripts/start.sh and scripts/test.sh: a virtual environment in .venv (created
# with the system's python3, reused when present) holding this project with the extras the
# caller asks for. Works on Debian's externally managed python3 (PEP 668), as root or not.
#   ensure_system_packages CMD:PACKAGE ...   apt-get installs what is missing, when root
#   ensure_environment EXTRAS                creates/updates .venv; sets $PYTHON

MINIMUM_PYTHON="3.10"

is_root() { [ "$(id -u)" = "0" ]; }

# ensure_system_packages dot:graphviz chromium:chromium — installs each package whose
# command is missing, when running as root on a system with apt-get; otherwise says what
# to install and goes on (the features that need it say so again when used).
ensure_system_packages() {
    local need=() pair
    for pair in "$@"; do
        command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
    done
    [ ${#need[@]} -eq 0 ] && return 0
    if is_root && command -v apt-get >/dev/null 2>&1; then
        echo "installing system packages: ${need[*]} (apt-get)"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    else
        echo "note: missing system packages ${need[*]} (install them with your package manager)" >&2
    fi
}

_base_python() {
    local candidate
    for candidate in "${FHE_ASSISTANT_PYTHON:-}" python3 python; do
        [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 || continue
        if "$candidate" -c "import sys; sys.exit(sys.version_info < (3, 10))" 2>/dev/null; then
            echo "$candidate"; return 0
        fi
    done
    echo "no Python >= $MINIMUM_PYTHON found (set FHE_ASSISTANT_PYTHON=/path/to/python3)" >&2
    return 1
}

_create_venv() {
    local base="$1"
    if "$base" -m venv .venv 2>/dev/null; then return 0; fi
    rm -rf .venv
    # Debian and Ubuntu ship venv (with ensurepip) as a separate package.
    if is_root && command -v apt-get >/dev/null 2>&1; then
        local version
        version="$("$base" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
        echo "installing python${version}-venv (apt-get)"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "python${version}-venv" >/dev/null \
            || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
        "$base" -m venv .venv && return 0
    fi
    echo "cannot create a virtual environment with $base: install python3-venv" >&2
    return 1
}

# ensure_environment notebook|test — .venv holding `pip install -e .[EXTRAS]`. The install is
# skipped when .venv already holds it for this pyproject.toml (a stamp file; the test extras
# include the notebook ones). Sets $PYTHON to the environment's interpreter.
ensure_environment() {
    local extras="$1" base stamp checksum
    if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "" 2>/dev/null; then
        base="$(_base_python)" || return 1
        echo "creating the virtual environment .venv with $("$base" --version 2>&1) ($(command -v "$base"))"
        rm -rf .venv
        _create_venv "$base" || return 1
    fi
    PYTHON="$PWD/.venv/bin/python"
    stamp=".venv/fhe-assistant-installed"
    checksum="$(cksum < pyproject.toml | cut -d' ' -f1)"
    if [ -f "$stamp" ] && grep -qxF -e "$checksum $extras" -e "$checksum test" "$stamp"; then
        return 0
    fi
    echo "installing fhe_assistant[$extras] and its dependencies into .venv (first run: a few minutes)"
    # (pip warns about every missing local index folder a machine may list: not our concern)
    "$PYTHON" -m pip install -q -e ".[$extras]" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
    { grep "^$checksum " "$stamp" 2>/dev/null || true; echo "$checksum $extras"; } > "$stamp.new"
    mv "$stamp.new" "$stamp"
}
