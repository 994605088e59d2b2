from odoo import fields, models

from .stock_lot import LOT_RELEASE_STATES


class ProductTemplate(models.Model):
    _inherit = 'product.template'

    mes_lot_release_state = fields.Selection(
        LOT_RELEASE_STATES,
        string='Initial lot status',
        default='quarantine',
        required=True,
        help='Release status given to new lots of this product. Quarantined lots cannot be '
             'consumed on the shop floor until quality releases them.')
