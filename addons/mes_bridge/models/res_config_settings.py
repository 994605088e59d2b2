from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    mes_release_required = fields.Boolean(
        related='company_id.mes_release_required', readonly=False)
    mes_shipping_gate = fields.Boolean(related='company_id.mes_shipping_gate', readonly=False)
    mes_mass_balance_tolerance = fields.Float(
        related='company_id.mes_mass_balance_tolerance', readonly=False)
    mes_kiosk_idle_minutes = fields.Integer(related='company_id.mes_kiosk_idle_minutes',
                                            readonly=False)
