from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError


class MesEventDeliveryLog(models.Model):
    """One attempt to deliver an event (or its replay): when, how long, what came back."""
    _name = 'mes.event.delivery.log'
    _description = 'MES Event Delivery Attempt'
    _order = 'id desc'

    delivery_id = fields.Many2one('mes.event.delivery', required=True, readonly=True,
                                  ondelete='restrict', index=True)
    attempt = fields.Integer(readonly=True)
    outcome = fields.Selection([('delivered', 'Delivered'), ('failed', 'Failed'),
                                ('replayed', 'Replayed')], required=True, readonly=True)
    duration_ms = fields.Integer(string='Duration (ms)', readonly=True)
    detail = fields.Text(readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su or not self.env.context.get('mes_dispatching'):
            raise AccessError(_('The delivery log is written by the dispatcher.'))
        return super().create(vals_list)

    def write(self, vals):
        if self:
            raise UserError(_('The delivery log is kept as written.'))
        return super().write(vals)

    def unlink(self):
        if self:
            raise UserError(_('The delivery log is kept as written.'))
        return super().unlink()
