#!/usr/bin/env bash
# Install everything the suite needs from this repository's own files:
# the Python venv (.venv), the five add-ons and power_core (editable), and the
# sao web client (sao/). With --browser also Debian's chromium for browser tests,
# with --bench the load tool of the benchmarks (locust), with --production
# nothing of the tests (the Docker image).
# Idempotent: a second run only checks what is already there. Off the happy
# path (no Python 3.11, no Node.js, no apt or not root) it stops with one
# line saying what to install.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
# the exact sao release (npm's tryton-sao); tools/patch_sao.py checks the
# code it patches, so a new release is taken on purpose, not by accident
SAO_VERSION=8.0.11
want_browser=0
want_bench=0
want_tests=1
for arg in "$@"; do
    case "$arg" in
        --browser) want_browser=1 ;;
        --bench) want_bench=1 ;;
        --production) want_tests=0 ;;
        *) echo "setup: unknown option $arg" >&2; exit 2 ;;
    esac
done

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
# stop with one line saying what to install
missing() { printf 'setup: %s\n' "$*" >&2; exit 1; }
# Debian packages: installed when root with apt-get, else named
apt_install() {
    local why=$1; shift
    if ! command -v apt-get >/dev/null; then
        missing "$why needs the Debian/Ubuntu packages $* (no apt-get here: install their equivalents), then run again"
    fi
    if [ "$(id -u)" != 0 ]; then
        missing "$why needs: sudo apt-get install $*  (then run again)"
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

command -v "$PYTHON" >/dev/null \
    || missing "Python 3.11 is needed: install python3.11 and python3.11-venv (or set PYTHON=/path/to/python3.11)"
"$PYTHON" -c 'import sys, venv; sys.exit(sys.version_info[:2] < (3, 11))' 2>/dev/null \
    || missing "Python 3.11 or newer with venv is needed; $PYTHON is $("$PYTHON" --version 2>&1)"

# Python packages; a stamp of the requirement files skips pip when nothing changed.
stamp=$( (cat requirements.txt requirements-test.txt constraints.txt \
    lib/pyproject.toml cli/pyproject.toml addons/*/pyproject.toml; echo "tests=$want_tests") \
    | sha256sum | cut -c1-16)
if [ ! -x .venv/bin/python ]; then
    say "creating .venv with $($PYTHON --version)"
    "$PYTHON" -m venv .venv
fi
if [ "$(cat .venv/.stamp 2>/dev/null)" != "$stamp" ]; then
    say "installing Python packages (pinned by constraints.txt)"
    mkdir -p var
    log=var/setup-pip.log
    requirements=(-r requirements.txt)
    [ "$want_tests" = 1 ] && requirements+=(-r requirements-test.txt)
    editable=(-e lib -e cli)
    for module in addons/*/; do editable+=(-e "$module"); done
    if ! {
        .venv/bin/python -m pip install --upgrade pip 'setuptools>=77' \
        && .venv/bin/pip install -c constraints.txt "${requirements[@]}" \
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
    command -v npm >/dev/null \
        || missing "Node.js and npm are needed to fetch the sao web client: install nodejs and npm (e.g. sudo apt-get install nodejs npm), then run again"
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
# our fixes of sao (see the file): each applied once, checked, idempotent
"$PYTHON" tools/patch_sao.py sao
# sao's Japanese (its release has none): our locale/sao/ja.po as sao's JSON
if [ -f locale/sao/ja.po ] && { [ ! -f sao/locale/ja.json ] \
        || [ locale/sao/ja.po -nt sao/locale/ja.json ]; }; then
    say "writing sao's Japanese (tools/sao_locale.py)"
    .venv/bin/python tools/sao_locale.py locale/sao/ja.po sao/locale/ja.json >/dev/null
fi

# Bill notices are laid out by WeasyPrint, which needs Pango and a Japanese font.
if ! { ldconfig -p | grep -q libpangoft2-1.0 && fc-list :lang=ja | grep -q .; } 2>/dev/null; then
    say "installing Debian's Pango and Noto CJK fonts for the PDF bill notices"
    apt_install "the PDF bill notice" libpango-1.0-0 libpangoft2-1.0-0 \
        fontconfig fonts-noto-cjk
fi

if [ "$want_browser" = 1 ] && [ ! -x /usr/bin/chromium ]; then
    say "installing Debian's chromium for the browser tests"
    apt_install "the browser tests" chromium fonts-noto-cjk
fi
if [ "$want_bench" = 1 ] && [ ! -x .venv/bin/locust ]; then
    say "installing the benchmark tools (locust)"
    .venv/bin/pip install -q -c constraints.txt -c constraints-bench.txt \
        -r requirements-bench.txt >var/setup-bench.log 2>&1 \
        || { tail -n 20 var/setup-bench.log >&2; exit 1; }
fi
mkdir -p var
say "ready: $ROOT/.venv, sao $(cat sao/.installed)"
