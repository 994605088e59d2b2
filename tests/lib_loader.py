"""Load an addon's plain-Python lib module (no ORM) by file, without importing Odoo."""
import importlib.util
import sys
from pathlib import Path

ADDONS = Path(__file__).resolve().parent.parent / "addons"


def load(name, addon="mes_quality"):
    """The module ``addons/<addon>/lib/<name>.py``, registered in ``sys.modules`` under
    ``name`` (dataclasses resolve annotations through it) and loaded once."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ADDONS / addon / "lib" / (
            "%s.py" % name))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]
