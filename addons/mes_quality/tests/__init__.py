from . import test_menus
from . import test_translations
from . import test_inspection
from . import test_switching
from . import test_spc
from . import test_production_inspection
from . import test_quality_adversarial
from . import test_spc_ui
