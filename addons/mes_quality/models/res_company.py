from odoo import fields, models


class ResCompany(models.Model):
    _inherit = 'res.company'

    mes_capa_recurrence_count = fields.Integer(
        string='Recurring nonconformances before a CAPA', default=3,
        help='This many nonconformances of the same product and defect within the period '
             'propose a CAPA on their own (0: never).')
    mes_capa_recurrence_days = fields.Integer(string='Recurrence period (days)', default=90)
    mes_conformity_statement = fields.Text(
        string='Conformity statement', translate=True,
        help='The statement printed on certificates of conformance (a standard ISO 13485 '
             'wording is used when empty).')
    mes_late_entry_hours = fields.Float(
        string='Late entry after (hours)', default=12.0,
        help='A step recorded this long after the previous step of its work order is flagged '
             'for the reviewer of the production record.')
    mes_change_control_required = fields.Boolean(
        string='Master records change only through change control',
        help='A new version of a bill of materials or inspection plan is approved only when '
             'an approved change request names it.')
