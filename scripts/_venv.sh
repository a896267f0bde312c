# Shared by scripts/run and scripts/test: make sure .venv exists with the project installed.
# Usage: ensure_venv ""        (the bot)
#        ensure_venv "[test]"  (the bot and its test tools)
ensure_venv() {
  local extra="$1" stamp=".venv/.installed${1:+-test}"
  local python="${PYTHON:-python3}"
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "Pivot needs Python 3.11 or newer (found: $("$python" --version 2>&1)). Set PYTHON=/path/to/python3.11." >&2
    exit 1
  fi
  if [ ! -x .venv/bin/python ]; then
    echo "Creating .venv …" >&2
    "$python" -m venv .venv
  fi
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "Installing Pivot${extra:+ with its test tools} into .venv …" >&2
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".${extra}"
    touch "$stamp"
  fi
}
