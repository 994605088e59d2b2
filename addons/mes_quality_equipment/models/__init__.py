from . import mes_inspection_characteristic
from . import mes_inspection_result
