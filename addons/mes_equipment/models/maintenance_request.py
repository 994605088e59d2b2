from odoo import fields, models


class MaintenanceRequest(models.Model):
    _inherit = 'maintenance.request'

    mes_blocks_use = fields.Boolean(
        string='Blocks Production Use', default=True,
        help='While this request is open, the equipment may not be used on the shop floor.')
