# Shared by ./run and ./run-tests: create .venv with Python 3.11+ and install the project into it.
ensure_venv() {
    local extras="$1"
    local python="${PYTHON:-}"
    if [ -z "$python" ]; then
        for candidate in python3.11 python3.12 python3.13 python3; do
            if command -v "$candidate" >/dev/null 2>&1; then python="$candidate"; break; fi
        done
    fi
    if [ ! -x .venv/bin/python ]; then
        "$python" -m venv .venv
        .venv/bin/python -m pip install --quiet --upgrade pip
    fi
    # Re-install when pyproject.toml changed since the last install (or the extras differ).
    local stamp=".venv/.autolytiq-installed${extras}"
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
        .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras}"
        touch "$stamp"
    fi
    # An editable install leaves our own modules uncompiled, and where PYTHONDONTWRITEBYTECODE is set
    # they would be recompiled on every start; compile them as a regular install would (only changed files).
    .venv/bin/python -m compileall -q -j 0 app calc ml sync ui >/dev/null
    # The calc engine compiled with mypyc (about a minute, only when calc/ changed; see calc/native.py).
    # The test setup builds it; the app uses it when it matches the sources and never waits for a build.
    if [ "$extras" = "[test]" ]; then
        .venv/bin/python scripts/build_native.py --if-stale \
            || echo "calc: continuing with the plain Python engine" >&2
    fi
}
