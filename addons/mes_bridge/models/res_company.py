from odoo import fields, models


class ResCompany(models.Model):
    _inherit = 'res.company'

    mes_release_required = fields.Boolean(
        string='Shop-floor release required',
        default=True,
        help='Work orders of a manufacturing order can only start, and the order can only be '
             'marked done, once it has been released to the shop floor from an approved master record.')
    mes_mass_balance_tolerance = fields.Float(
        string='Mass balance tolerance (%)', default=2.0,
        help='A done order whose component consumption (scrap included) deviates from the '
             'bill of materials by more than this raises a mass-balance exception.')
    mes_sign_max_failures = fields.Integer(
        string='Signing attempts before lockout', default=3,
        help='After this many consecutive wrong logins or passwords when signing, a user can '
             'no longer sign until a MES Administrator unlocks them.')

    _mes_sign_max_failures_positive = models.Constraint(
        'CHECK (mes_sign_max_failures >= 1)', 'Allow at least one signing attempt.')
