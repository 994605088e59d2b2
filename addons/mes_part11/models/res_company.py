from odoo import fields, models


class ResCompany(models.Model):
    _inherit = 'res.company'

    mes_sign_max_failures = fields.Integer(
        string='Signing attempts before lockout', default=3,
        help='After this many consecutive wrong logins or passwords, a user can no longer '
             'sign electronically until an Electronic Records Administrator unlocks them.')

    _mes_sign_max_failures_positive = models.Constraint(
        'CHECK (mes_sign_max_failures >= 1)', 'Allow at least one signing attempt.')
