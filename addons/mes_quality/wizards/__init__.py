from . import mes_inspection_record
