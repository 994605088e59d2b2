from . import mes_signing_input
from . import mes_sign_wizard
from . import mes_audit_export
from . import mes_audit_key_rotate
from . import mes_access_review
from . import mes_access_review_line
