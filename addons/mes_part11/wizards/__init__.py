from . import mes_signing_input
from . import mes_sign_wizard
from . import mes_audit_export
from . import mes_audit_key_rotate
