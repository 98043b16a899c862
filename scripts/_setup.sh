# shellcheck shell=bash
# Shared set-up for scripts/demo and scripts/test: system packages, Python >= 3.12, the venv, translations.
# Sourced, not run. Idempotent: a second run only checks.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# Development mode (config/settings.py): production is the default and refuses to start without its own
# secret key and host names; demo and test runs use a local key and plain http.
export DOORSTEP_ENV="${DOORSTEP_ENV:-dev}"

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

apt_install() {  # apt_install pkg... : installs the Debian packages that are missing
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

find_python() {  # prints a Python >= 3.12 interpreter
  local cand
  for cand in python3.13 python3.12 \
      "$HOME"/.pyenv/versions/3.13*/bin/python3 "$HOME"/.pyenv/versions/3.12*/bin/python3 \
      /root/.pyenv/versions/3.13*/bin/python3 /root/.pyenv/versions/3.12*/bin/python3 python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      command -v "$cand"; return 0
    fi
  done
  return 1
}

setup_python() {
  if [ ! -x .venv/bin/python ]; then
    local py
    py="$(find_python)" || { echo "Doorstep needs Python 3.12 or newer (Django 6); none found." >&2; exit 1; }
    say "creating .venv with $py"
    "$py" -m venv .venv
  fi
  local stamp=.venv/.doorstep-installed want
  want="$(sha256sum pyproject.toml | cut -c1-16)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "installing Python packages"
    .venv/bin/python -m pip install -q --upgrade pip >/dev/null
    .venv/bin/python -m pip install -q -e '.[dev]'
    echo "$want" > "$stamp"
  fi
}

setup_all() {
  # fonts for the Chinese PDF report and pages, gettext for translations, poppler to read PDFs back
  apt_install fonts-noto-cjk fonts-wqy-zenhei gettext poppler-utils "$@"
  setup_python
  .venv/bin/python manage.py compilemessages -v0 --ignore=.venv >/dev/null
}
