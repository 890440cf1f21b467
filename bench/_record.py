"""What every benchmark writes with its figures: the machine, the date and
the commit, and the append to docs/benchmarks.md."""
import datetime as dt
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / 'docs' / 'benchmarks.md'


def stamp():
    "'2026-11-27, commit abc1234, 2 cores x86_64, Python 3.11.7'"
    commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'],
        capture_output=True, text=True, cwd=ROOT).stdout.strip()
    cpu = platform.processor() or platform.machine()
    return (f"{dt.date.today()}, commit {commit}, {os.cpu_count()} cores "
        f"{cpu}, Python {sys.version.split()[0]}")


def append(text):
    "Add a section to docs/benchmarks.md."
    BENCHMARKS.write_text(BENCHMARKS.read_text() + text)
    print(f"written to {BENCHMARKS}")
