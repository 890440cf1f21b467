"""The shipped data pack: reference rate menus and regulated values."""
from pathlib import Path

FOLDER = Path(__file__).parent
MENUS = FOLDER / 'menus'
REGULATED = FOLDER / 'regulated'
