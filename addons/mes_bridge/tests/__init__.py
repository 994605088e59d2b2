from . import test_domain_lib
from . import test_master_record
from . import test_release
from . import test_execution
from . import test_material
from . import test_access
from . import test_ui
