#!/usr/bin/env bash
# The trainer's Python environment, project-local in .venv, pinned by training-runner/requirements.lock.
# Idempotent: a stamp holds the lock's hash, so a second run returns at once; pip's own cache
# (~/.cache/pip) makes a rebuild after a lock change fast. The PyPI torch wheel carries CUDA
# libraries, so the same environment trains on CPU here and on CUDA on a GPU host.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="$root/.venv"
lock="$root/training-runner/requirements.lock"
python=${PYTHON:-python3}

if [ "${1:-}" = "--relock" ]; then
  tmp=$(mktemp -d)
  "$python" -m venv "$tmp/venv"
  "$tmp/venv/bin/pip" install --disable-pip-version-check -q -r "$root/training-runner/requirements.txt"
  "$tmp/venv/bin/pip" freeze --exclude-editable | LC_ALL=C sort -f > "$lock"
  rm -rf "$tmp"
  echo "wrote $lock"
  exit 0
fi

want=$(sha256sum "$lock" | cut -d' ' -f1)
if [ -f "$venv/.edgetune-stamp" ] && [ "$(cat "$venv/.edgetune-stamp")" = "$want" ]; then
  exit 0
fi
echo "python-env: installing the trainer's environment into .venv (first run takes a minute or two)" >&2
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "python-env: Python 3.10+ is required")'
rm -f "$venv/.edgetune-stamp"
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/pip" install --disable-pip-version-check -q --upgrade pip
"$venv/bin/pip" install --disable-pip-version-check -q -r "$lock"
echo "$want" > "$venv/.edgetune-stamp"
echo "python-env: ready ($(du -sh "$venv" | cut -f1))" >&2
