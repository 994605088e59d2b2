from . import mes_signing_input
from . import mes_step_record
from . import mes_exception_disposition
from . import mes_sign_wizard
from . import mes_audit_export
from . import mes_recall_wizard
from . import mes_exception_reclassify
