from odoo import fields, models


class MrpWorkcenter(models.Model):
    _inherit = 'mrp.workcenter'

    mes_equipment_ids = fields.One2many('maintenance.equipment', 'mes_workcenter_id',
                                        string='MES Equipment')
    mes_oee_7d = fields.Float(string='Equipment OEE, last 7 days (%)',
                              compute='_compute_mes_oee_7d')

    def _compute_mes_oee_7d(self):
        for workcenter in self:
            values = workcenter.mes_equipment_ids.mapped('mes_oee_7d')
            workcenter.mes_oee_7d = sum(values) / len(values) if values else 0.0

    def action_mes_oee_report(self):
        action = self.env['ir.actions.act_window']._for_xml_id(
            'mes_equipment.action_mes_oee_report')
        action['domain'] = [('workcenter_id', 'in', self.ids)]
        return action
