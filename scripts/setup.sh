#!/usr/bin/env bash
# Creates both environments, idempotently:
#   .venv       the bot (Python >= 3.11), from uv.lock
#   .venv-rasa  Rasa Open Source 3.6 (Python 3.10), from nlu/requirements-rasa.txt
# Nothing is downloaded at run time afterwards; caches live in var/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
mkdir -p var

if ! command -v uv >/dev/null 2>&1; then
  echo "setup: installing uv" >&2
  python3 -m pip install --quiet uv
fi

# --- the bot's environment -------------------------------------------------
uv sync --frozen --quiet

# --- Rasa's environment ----------------------------------------------------
find_python310() {
  if [ -n "${RASA_PYTHON:-}" ]; then echo "$RASA_PYTHON"; return; fi
  local p
  for p in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10.*/bin/python3.10; do
    [ -x "$p" ] && { echo "$p"; return; }
  done
  if command -v python3.10 >/dev/null 2>&1 && python3.10 -c 'import sys' >/dev/null 2>&1; then
    command -v python3.10; return
  fi
  # Elsewhere uv can provide Python 3.10 itself (not on machines without downloads).
  if [ "${UV_PYTHON_DOWNLOADS:-}" != "never" ] && uv python install 3.10 >/dev/null 2>&1; then
    uv python find 3.10; return
  fi
  return 1
}

stamp=.venv-rasa/.requirements.sha256
want=$(sha256sum nlu/requirements-rasa.txt | cut -d' ' -f1)
if [ ! -x .venv-rasa/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  py=$(find_python310) || {
    echo "setup: Rasa 3.6 needs Python 3.10 and none was found." >&2
    echo "       Install it (pyenv install 3.10, or your system's python3.10) or set RASA_PYTHON=/path/to/python3.10." >&2
    exit 1
  }
  echo "setup: creating .venv-rasa with $py (rasa 3.6.21; first time takes 1-2 minutes)" >&2
  uv venv --quiet --allow-existing --python "$py" .venv-rasa
  uv pip install --quiet --python .venv-rasa/bin/python -r nlu/requirements-rasa.txt
  echo "$want" > "$stamp"
fi

# --- fonts for the survey charts (python -m bot survey results --png) -------
# Noto covers the seven scripts: Latin/Vietnamese, Chinese (CJK), Thai, Khmer, Lao, Burmese.
if ! fc-list 2>/dev/null | grep -q "NotoSansKhmer" || ! fc-list 2>/dev/null | grep -q "NotoSansCJK"; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "setup: installing fonts-noto-core and fonts-noto-cjk (survey charts)" >&2
    $sudo apt-get update -qq >/dev/null 2>&1 || true
    $sudo apt-get install -y --no-install-recommends fonts-noto-core fonts-noto-cjk >/dev/null \
      || echo "setup: could not install the Noto fonts; survey charts may lack some scripts." >&2
  else
    echo "setup: install the Noto fonts (Sans, CJK, Thai, Khmer, Lao, Myanmar) for survey charts." >&2
  fi
fi
