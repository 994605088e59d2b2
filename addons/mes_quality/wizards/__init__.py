from . import mes_inspection_record
from . import mes_quality_note
