"""power_core must stay free of trytond."""
import subprocess
import sys


def test_power_core_does_not_import_trytond():
    code = (
        "import importlib, pkgutil, sys, power_core\n"
        "for m in pkgutil.walk_packages(power_core.__path__, 'power_core.'):\n"
        "    importlib.import_module(m.name)\n"
        "assert 'trytond' not in sys.modules, 'power_core imported trytond'\n"
        "print('ok')\n")
    result = subprocess.run(
        [sys.executable, '-c', code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == 'ok'
