from . import test_part11_record
from . import test_part11_line
