from . import test_part11_mixins
from . import test_part11_adversarial
from . import test_part11_anchor
from . import test_part11_access
from . import test_part11_reason
