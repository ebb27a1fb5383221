# shellcheck shell=bash
# Sourced by scripts/run and scripts/test: finds Python >= 3.12, makes .venv and installs CityDesk.
#
#   source scripts/_python.sh run    # pip install -e .
#   source scripts/_python.sh test   # pip install -e '.[test]'
#
# Afterwards: ROOT (the checkout), VENV, PY (.venv's python) and PATH starts with .venv/bin.
# The pip install is skipped when .venv/.installed-<kind>-<hash of pyproject.toml> exists.
# CITYDESK_PYTHON=/path/to/python3.x overrides the search.

CITYDESK_INSTALL_KIND="${1:-run}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

_cd_say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
_cd_die() {
    printf '\033[1;31mERROR: %s\033[0m\n' "$*" >&2
    exit 1
}

# True when "$1" runs and is Python 3.12 or newer.
_cd_python_ok() {
    [ -n "$1" ] && "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1
}

_cd_find_python() {
    local candidate
    if [ -n "${CITYDESK_PYTHON:-}" ]; then
        _cd_python_ok "$CITYDESK_PYTHON" && echo "$CITYDESK_PYTHON"
        return
    fi
    for candidate in python3.14 python3.13 python3.12 python3; do
        if command -v "$candidate" >/dev/null 2>&1 && _cd_python_ok "$candidate"; then
            command -v "$candidate"
            return 0
        fi
    done
    # pyenv-installed versions (the shims only answer for versions pyenv has been told to use).
    for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3.1? \
        /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]; do
        if [ -x "$candidate" ] && _cd_python_ok "$candidate"; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

_cd_no_python() {
    cat >&2 <<'EOF'

CityDesk needs Python 3.12 or newer (the 2026 administrative-unit data of `vietnam-provinces`
requires it), and none was found (looked for python3.14/3.13/3.12/python3 on PATH,
~/.pyenv/versions/3.12+ and /usr/bin/python3.12+).

Debian 12 ships Python 3.11, so install a newer one in any of these ways, then run this again:

  * uv (no root needed):   curl -LsSf https://astral.sh/uv/install.sh | sh
                           uv python install 3.12
                           export CITYDESK_PYTHON="$(uv python find 3.12)"
  * pyenv:                 pyenv install 3.12   (the script finds ~/.pyenv/versions/3.12.*)
  * Ubuntu (deadsnakes):   sudo add-apt-repository ppa:deadsnakes/ppa
                           sudo apt-get install python3.12 python3.12-venv
  * Debian 13 or newer:    sudo apt-get install python3 python3-venv

Or point the script at an interpreter: CITYDESK_PYTHON=/path/to/python3.12 scripts/...
EOF
    exit 1
}

_cd_venv_python_ok() { [ -x "$VENV/bin/python" ] && _cd_python_ok "$VENV/bin/python"; }

_cd_setup() {
    local base
    if ! _cd_venv_python_ok; then
        if [ -n "${CITYDESK_PYTHON:-}" ] && ! _cd_python_ok "$CITYDESK_PYTHON"; then
            _cd_die "CITYDESK_PYTHON=$CITYDESK_PYTHON does not run or is older than Python 3.12"
        fi
        if ! base="$(_cd_find_python)"; then
            if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
                _cd_say "No Python >= 3.12 found; trying apt-get install python3.12 python3.12-venv"
                export DEBIAN_FRONTEND=noninteractive
                if apt-get install -y python3.12 python3.12-venv >/dev/null 2>&1 \
                    || { apt-get update -qq >/dev/null 2>&1 \
                        && apt-get install -y python3.12 python3.12-venv >/dev/null 2>&1; }; then
                    base="$(_cd_find_python)" || _cd_no_python
                else
                    printf 'apt-get has no python3.12 package here (Debian 12 ships 3.11).\n' >&2
                    _cd_no_python
                fi
            else
                _cd_no_python
            fi
        fi
        if [ -e "$VENV" ]; then
            _cd_say "Replacing $VENV (its Python is missing or older than 3.12)"
            rm -rf "$VENV"
        fi
        _cd_say "Creating $VENV with $base ($("$base" -V 2>&1))"
        "$base" -m venv "$VENV" \
            || _cd_die "could not create $VENV with $base (on Debian/Ubuntu: apt-get install python3.12-venv)"
    fi

    local hash stamp test_stamp spec
    hash="$(sha256sum "$ROOT/pyproject.toml" | cut -c1-16)"
    stamp="$VENV/.installed-$CITYDESK_INSTALL_KIND-$hash"
    test_stamp="$VENV/.installed-test-$hash"
    # The test install is a superset of the run install.
    if [ ! -e "$stamp" ] && [ ! -e "$test_stamp" ]; then
        if [ "$CITYDESK_INSTALL_KIND" = test ]; then spec='.[test]'; else spec='.'; fi
        _cd_say "Installing CityDesk into .venv (pip install -e '$spec'); this takes a minute the first time"
        (cd "$ROOT" && "$VENV/bin/python" -m pip install --disable-pip-version-check -q -e "$spec") \
            || _cd_die "pip install -e '$spec' failed (see above). Check network access to PyPI (or PIP_INDEX_URL) and retry."
        rm -f "$VENV"/.installed-"$CITYDESK_INSTALL_KIND"-*
        touch "$stamp"
    fi

    export VIRTUAL_ENV="$VENV"
    export PATH="$VENV/bin:$PATH"
    PY="$VENV/bin/python"
}

_cd_setup
cd "$ROOT" || exit 1
