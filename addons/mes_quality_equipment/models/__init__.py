from . import mes_inspection_characteristic
from . import mes_inspection_result
from . import mes_production_record
from . import mes_process_value
