from . import mes_step_record
from . import mes_exception_disposition
from . import mes_recall_wizard
from . import mes_exception_reclassify
from . import mes_validation_import
