"""power_core must stay free of trytond and of the partner simulators;
the simulators (power_sim) use the core's codecs but never trytond."""
import subprocess
import sys

import pytest


def _imports(package):
    "The top-level packages loaded by importing every module of package."
    code = (
        "import importlib, pkgutil, sys\n"
        f"package = importlib.import_module({package!r})\n"
        f"for m in pkgutil.walk_packages(package.__path__, {package + '.'!r}):\n"
        "    importlib.import_module(m.name)\n"
        "print(' '.join(sorted({n.split('.')[0] for n in sys.modules})))\n")
    result = subprocess.run(
        [sys.executable, '-c', code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


def test_power_core_imports_neither_trytond_nor_the_simulators():
    loaded = _imports('power_core')
    assert 'trytond' not in loaded
    assert 'power_sim' not in loaded


@pytest.mark.parametrize('package', ['power_sim'])
def test_simulators_do_not_import_trytond(package):
    loaded = _imports(package)
    assert 'power_core' in loaded
    assert 'trytond' not in loaded
