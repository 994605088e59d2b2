from odoo import _, fields, models
from odoo.addons.mes_part11.wizards.mes_sign_wizard import reopen_with_error

from ..models.mes_exception import DISPOSITIONS


class MesExceptionDisposition(models.TransientModel):
    _name = 'mes.exception.disposition'
    _inherit = ['mes.signing.input']
    _description = 'Disposition Exceptions'

    exception_ids = fields.Many2many('mes.exception', string='Exceptions', required=True)
    disposition = fields.Selection(DISPOSITIONS, required=True)
    note = fields.Text(string='Justification', required=True)
    error = fields.Char(readonly=True)

    def action_confirm(self):
        self.ensure_one()
        login, password = self._mes_credentials()
        outcome = self.exception_ids.action_disposition(self.disposition, self.note, login,
                                                        password)
        if outcome['signed']:
            return {'type': 'ir.actions.act_window_close'}
        return reopen_with_error(self, _('Disposition'), outcome['message'])
