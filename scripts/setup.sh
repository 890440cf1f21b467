#!/usr/bin/env bash
# Install everything the suite needs from this repository's own files:
# the Python venv (.venv), the five add-ons and power_core (editable), and the
# sao web client (sao/). With --browser also Debian's chromium for browser tests,
# with --bench the load tool of the benchmarks (locust).
# Idempotent: a second run only checks what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
SAO_VERSION=8.0
want_browser=0
want_bench=0
for arg in "$@"; do
    case "$arg" in
        --browser) want_browser=1 ;;
        --bench) want_bench=1 ;;
        *) echo "setup: unknown option $arg" >&2; exit 2 ;;
    esac
done

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# Python packages; a stamp of the requirement files skips pip when nothing changed.
stamp=$(cat requirements.txt requirements-test.txt constraints.txt \
    lib/pyproject.toml cli/pyproject.toml addons/*/pyproject.toml | sha256sum | cut -c1-16)
if [ ! -x .venv/bin/python ]; then
    say "creating .venv with $($PYTHON --version)"
    "$PYTHON" -m venv .venv
fi
if [ "$(cat .venv/.stamp 2>/dev/null)" != "$stamp" ]; then
    say "installing Python packages (pinned by constraints.txt)"
    mkdir -p var
    log=var/setup-pip.log
    editable=(-e lib -e cli)
    for module in addons/*/; do editable+=(-e "$module"); done
    if ! {
        .venv/bin/python -m pip install --upgrade pip 'setuptools>=77' \
        && .venv/bin/pip install -c constraints.txt \
            -r requirements.txt -r requirements-test.txt \
        && .venv/bin/pip install --no-deps --no-build-isolation "${editable[@]}"
    } >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        echo "setup: pip failed; the whole log is in $log" >&2
        exit 1
    fi
    echo "$stamp" > .venv/.stamp
fi

# The sao web client from npm, unpacked as a self-contained folder.
if [ ! -f sao/.installed ] || [ "$(cat sao/.installed)" != "$SAO_VERSION" ]; then
    say "installing the sao $SAO_VERSION web client from npm"
    rm -rf sao var/sao-pack
    mkdir -p var/sao-pack
    (cd var/sao-pack && npm pack --silent "tryton-sao@$SAO_VERSION" >/dev/null \
        && tar xzf tryton-sao-*.tgz)
    mv var/sao-pack/package sao
    rm -rf var/sao-pack
    # sao's dev dependencies carry an unsatisfiable peer range; runtime ones do not.
    (cd sao && npm install --omit=dev --legacy-peer-deps --no-audit --no-fund \
        --loglevel=error >/dev/null)
    echo "$SAO_VERSION" > sao/.installed
fi
# our fix of a sao form bug (see the file); idempotent and checked
if ! grep -q 'power-cis patch' sao/dist/tryton-sao.js; then
    say "patching sao (tools/patch_sao.py)"
    "$PYTHON" tools/patch_sao.py sao
fi

# Bill notices are laid out by WeasyPrint, which needs Pango and a Japanese font.
if ! { ldconfig -p | grep -q libpangoft2-1.0 && fc-list :lang=ja | grep -q .; } 2>/dev/null; then
    say "installing Debian's Pango and Noto CJK fonts for the PDF bill notices"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
        fontconfig fonts-noto-cjk >/dev/null
fi

if [ "$want_browser" = 1 ] && [ ! -x /usr/bin/chromium ]; then
    say "installing Debian's chromium for the browser tests"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null
fi
if [ "$want_bench" = 1 ] && [ ! -x .venv/bin/locust ]; then
    say "installing the benchmark tools (locust)"
    .venv/bin/pip install -q -c constraints.txt -c constraints-bench.txt \
        -r requirements-bench.txt >var/setup-bench.log 2>&1 \
        || { tail -n 20 var/setup-bench.log >&2; exit 1; }
fi
mkdir -p var
say "ready: $ROOT/.venv, sao $(cat sao/.installed)"
