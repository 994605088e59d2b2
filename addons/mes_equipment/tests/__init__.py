from . import test_menus
from . import test_equipment
from . import test_translations
from . import test_data_gaps
from . import test_process_storage
from . import test_trend_ui
