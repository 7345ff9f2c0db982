#!/usr/bin/env bash
# One command for the whole benchmark on a fresh Debian machine of this project's kind:
# installs wrk and curl when missing, builds the venv, makes sure PostgreSQL is up, then
# runs run.py (arguments are passed on, e.g. --duration 5 --only list,ceiling,onelist).
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v wrk >/dev/null || ! command -v curl >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq wrk curl >/dev/null
fi

if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  pg_ctlcluster --skip-systemctl-redirect 15 main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
  .venv/bin/pip install -q --upgrade pip
fi
.venv/bin/pip install -q -e .

exec timeout 3600 .venv/bin/python tests/benchmark/run.py "$@"
