from . import test_gauge
