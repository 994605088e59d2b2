from odoo import api, fields, models

from .maintenance_equipment import EQUIPMENT_STATES


class MesEquipmentStatePeriod(models.Model):
    """A span of time an equipment spent in one state, with the counts made meanwhile."""
    _name = 'mes.equipment.state.period'
    _description = 'Equipment State Period'
    _order = 'equipment_id, date_start'

    equipment_id = fields.Many2one('maintenance.equipment', required=True, index=True,
                                   ondelete='cascade')
    company_id = fields.Many2one(related='equipment_id.company_id', store=True, index=True)
    workcenter_id = fields.Many2one(related='equipment_id.mes_workcenter_id', store=True)
    state = fields.Selection(EQUIPMENT_STATES, required=True)
    reason = fields.Char(string='Downtime Reason')
    date_start = fields.Datetime(required=True, index=True)
    date_stop = fields.Datetime(index=True)
    total_count = fields.Integer()
    good_count = fields.Integer()
    workorder_id = fields.Many2one('mrp.workorder', index=True)
    duration = fields.Float(string='Duration (min)', compute='_compute_duration', store=True)

    @api.depends('date_start', 'date_stop')
    def _compute_duration(self):
        for period in self:
            period.duration = ((period.date_stop - period.date_start).total_seconds() / 60.0
                               if period.date_stop and period.date_start else 0.0)
