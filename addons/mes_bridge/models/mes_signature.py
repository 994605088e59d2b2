from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .mes_kiosk_device import kiosk_origin


class MesSignature(models.Model):
    _inherit = 'mes.signature'

    device_id = fields.Many2one(
        'mes.kiosk.device', string='Kiosk Device', readonly=True, ondelete='restrict',
        help='The paired tablet the signature was given on (21 CFR 11.10(h)).')

    @api.model_create_multi
    def create(self, vals_list):
        # the device is the kiosk controller's to state, never the caller's
        origin = kiosk_origin(self.env.context)
        for vals in vals_list:
            vals['device_id'] = origin.device_id if origin else False
        return super().create(vals_list)

    def write(self, vals):
        if 'device_id' in vals:
            raise UserError(_('A signature cannot be changed.'))
        return super().write(vals)
