from . import mes_step_record
from . import mes_exception_disposition
