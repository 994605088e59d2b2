from odoo import _, models
from odoo.exceptions import UserError


class ResUsersIdentitycheck(models.TransientModel):
    _inherit = 'res.users.identitycheck'

    def _check_identity(self):
        if self.env.user.mes_sign_locked:
            raise UserError(_('Your electronic signature is locked after repeated failed '
                              'attempts: identity checks wait until an Electronic Records Administrator '
                              'unlocks it.'))
        return super()._check_identity()
