"""Local simulators of the partners we cannot reach: each speaks the
partner's format (through the same codecs) so that tests, benchmarks and
the demo run the full round trip."""
import os
from pathlib import Path


def drop(folder, name, data):
    """Write a file into folder the way a transfer product does: complete
    or not at all (a hidden temporary name, then renamed); its name."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f'.{name}.part'
    temporary.write_bytes(data)
    os.replace(temporary, folder / name)
    return name
