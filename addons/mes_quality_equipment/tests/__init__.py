from . import test_gauge
from . import test_translations
