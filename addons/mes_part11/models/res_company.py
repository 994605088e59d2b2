from odoo import fields, models


class ResCompany(models.Model):
    _inherit = 'res.company'

    mes_sign_max_failures = fields.Integer(
        string='Signing attempts before lockout', default=3,
        help='After this many consecutive wrong logins or passwords, a user can no longer '
             'sign electronically until an Electronic Records Administrator unlocks them.')

    mes_idle_sign_out_minutes = fields.Integer(
        string='Idle sign-out (minutes)', default=15,
        help='A back-office session without any input for this many minutes is signed out '
             '(the sign-in log records it); 0 never signs out. The shop-floor kiosk has its '
             'own setting.')

    _mes_idle_sign_out_not_negative = models.Constraint(
        'CHECK (mes_idle_sign_out_minutes >= 0)', 'The idle sign-out cannot be negative.')
    _mes_sign_max_failures_positive = models.Constraint(
        'CHECK (mes_sign_max_failures >= 1)', 'Allow at least one signing attempt.')
