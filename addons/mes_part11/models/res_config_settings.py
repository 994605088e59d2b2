from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    mes_sign_max_failures = fields.Integer(
        related='company_id.mes_sign_max_failures', readonly=False)
