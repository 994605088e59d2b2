from odoo import fields, models


class ResCompany(models.Model):
    _inherit = 'res.company'

    mes_release_required = fields.Boolean(
        string='Shop-floor release required',
        default=True,
        help='Work orders of a manufacturing order can only start, and the order can only be '
             'marked done, once it has been released to the shop floor from an approved master record.')
    mes_shipping_gate = fields.Boolean(
        string='Ship released lots only', default=True,
        help='Validating a delivery to a customer is refused while any of its lots is not '
             'released (quarantine, on hold or rejected).')
    mes_mass_balance_tolerance = fields.Float(
        string='Mass balance tolerance (%)', default=2.0,
        help='A done order whose component consumption (scrap included) deviates from the '
             'bill of materials by more than this raises a mass-balance exception.')
    mes_kiosk_idle_minutes = fields.Integer(
        string='Kiosk idle sign-out (minutes)', default=15,
        help='An operator signed in at a kiosk is signed out after this many minutes without '
             'activity (0: never).')
