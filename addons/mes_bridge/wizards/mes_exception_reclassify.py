from odoo import _, fields, models
from odoo.addons.mes_part11.wizards.mes_sign_wizard import reopen_with_error

from ..models.mes_operation_step import CRITICALITIES


class MesExceptionReclassify(models.TransientModel):
    """Change the severity of open exceptions with a reason and a signature (lowering it may
    lift a block on the order)."""
    _name = 'mes.exception.reclassify'
    _inherit = ['mes.signing.input']
    _description = 'Reclassify Exceptions'

    exception_ids = fields.Many2many('mes.exception', string='Exceptions', required=True)
    severity = fields.Selection(CRITICALITIES, required=True)
    reason = fields.Text(required=True)
    error = fields.Char(readonly=True)

    def action_confirm(self):
        self.ensure_one()
        login, password = self._mes_credentials()
        outcome = self.exception_ids.action_mes_reclassify(self.severity, self.reason, login,
                                                           password)
        if outcome['reclassified']:
            return {'type': 'ir.actions.act_window_close'}
        return reopen_with_error(self, _('Reclassify'), outcome['message'])
