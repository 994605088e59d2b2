from . import test_gauge
from . import test_translations
from . import test_production_record_equipment
