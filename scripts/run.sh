#!/usr/bin/env bash
# Installs sozialbot into .venv and runs it on the embedded default: the Landkreis Lüneburg
# configuration in county/sozialbot.toml, data as TinyDB files in county/data/.
# Channels switch on by themselves when configured (see README); extra arguments go to `run`.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e .
[ -f county/sozialbot.toml ] || .venv/bin/sozialbot init county
exec .venv/bin/sozialbot run --config county/sozialbot.toml "$@"
