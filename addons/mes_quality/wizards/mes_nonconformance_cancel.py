from odoo import fields, models


class MesNonconformanceCancel(models.TransientModel):
    _name = 'mes.nonconformance.cancel'
    _description = 'Cancel Nonconformance'

    nonconformance_id = fields.Many2one('mes.nonconformance', required=True, readonly=True)
    reason = fields.Text(required=True)

    def action_cancel(self):
        self.ensure_one()
        self.nonconformance_id.mes_cancel(self.reason)
        return {'type': 'ir.actions.act_window_close'}
