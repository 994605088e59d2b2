from odoo import fields, models

from ..models.mes_exception import DISPOSITIONS


class MesExceptionDisposition(models.TransientModel):
    _name = 'mes.exception.disposition'
    _description = 'Disposition Exceptions'

    exception_ids = fields.Many2many('mes.exception', string='Exceptions', required=True)
    disposition = fields.Selection(DISPOSITIONS, required=True)
    note = fields.Text(string='Justification', required=True)
    login = fields.Char(required=True)
    password = fields.Char(required=True)

    def action_confirm(self):
        self.ensure_one()
        self.exception_ids.action_disposition(self.disposition, self.note, self.login,
                                              self.password)
        return {'type': 'ir.actions.act_window_close'}
