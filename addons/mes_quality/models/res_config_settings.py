from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    mes_capa_recurrence_count = fields.Integer(
        related='company_id.mes_capa_recurrence_count', readonly=False)
    mes_capa_recurrence_days = fields.Integer(
        related='company_id.mes_capa_recurrence_days', readonly=False)
    mes_late_entry_hours = fields.Float(related='company_id.mes_late_entry_hours',
                                        readonly=False)
    mes_conformity_statement = fields.Text(related='company_id.mes_conformity_statement',
                                           readonly=False)
    mes_change_control_required = fields.Boolean(
        related='company_id.mes_change_control_required', readonly=False)
