#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian machine, then lints, type-checks and runs
# the tests.
# Debian packages (Dovecot for the IMAP tests, poppler for PDFs, openssl for a test certificate,
# systemd-analyze for the unit files, venv) come from
# apt-get when missing; Python packages go into .venv. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
[ -x /usr/sbin/dovecot ] || missing+=(dovecot-imapd)
[ -x /usr/lib/dovecot/lmtp ] || missing+=(dovecot-lmtpd)
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
command -v openssl >/dev/null || missing+=(openssl)
command -v systemd-analyze >/dev/null || missing+=(systemd)  # verifies deploy/*.service
python3 -c "import ensurepip, venv" 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "Installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
.venv/bin/ruff check .
.venv/bin/mypy  # the packages and flags are in pyproject.toml ([tool.mypy])
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
