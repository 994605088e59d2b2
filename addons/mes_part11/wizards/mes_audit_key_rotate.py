from odoo import _, fields, models

from .mes_sign_wizard import reopen_with_error


class MesAuditKeyRotate(models.TransientModel):
    """Rotate the audit trail checkpoint key: reason, login and password (a signed act)."""
    _name = 'mes.audit.key.rotate'
    _inherit = ['mes.signing.input']
    _description = 'Rotate the Audit Trail Checkpoint Key'

    reason = fields.Text(required=True)
    error = fields.Char(readonly=True)

    def action_confirm(self):
        self.ensure_one()
        login, password = self._mes_credentials()
        outcome = self.env['mes.audit.key'].mes_rotate(self.reason, login, password)
        if not outcome['rotated']:
            return reopen_with_error(self, _('Rotate Checkpoint Key'), outcome['message'])
        return {'type': 'ir.actions.client', 'tag': 'display_notification',
                'params': {'title': _('Checkpoint key rotated'), 'type': 'success',
                           'message': outcome['message'],
                           'next': {'type': 'ir.actions.act_window_close'}}}
