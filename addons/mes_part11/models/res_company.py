from odoo import fields, models


class ResCompany(models.Model):
    # the MES settings of a company (release required, lockout threshold, idle times...)
    # are validated configuration: every change is in the audit trail (Annex 11 section 10)
    _name = 'res.company'
    _inherit = ['res.company', 'mes.audited']
    _mes_audit_no_delete = False
    _mes_audit_tab = False

    @property
    def _mes_audit_fields(self):
        # every stored MES setting, whichever addon adds it
        return tuple(name for name, field in self._fields.items()
                     if name.startswith('mes_') and field.store and not field.compute
                     and field.type not in ('one2many', 'binary'))

    def _mes_audit_company_id(self):
        return self.id

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
