from odoo import _, api, fields, models
from odoo.exceptions import UserError

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

    @api.model_create_multi
    def create(self, vals_list):
        periods = super().create(vals_list)
        # each new period is the equipment entering a state: other systems hear of it
        self.env['mes.event']._mes_emit_many([
            ('equipment.state_changed', period.equipment_id, period._mes_event_data(), None,
             period.company_id or None) for period in periods.sorted('date_start')])
        return periods

    def _mes_event_data(self):
        self.ensure_one()
        period = self.sudo()
        equipment = period.equipment_id
        return {
            'equipment': {'id': equipment.id, 'name': equipment.name},
            'code': equipment.mes_code or None,
            'workcenter': {'id': period.workcenter_id.id, 'name': period.workcenter_id.name}
            if period.workcenter_id else None,
            'state': period.state, 'since': period.date_start.strftime('%Y-%m-%dT%H:%M:%SZ'),
            'reason': period.reason or None,
        }

    def write(self, vals):
        # supervisors name the downtime reason; what the machine reported stays as it was
        if set(vals) - {'reason'} and not self.env.is_superuser() \
                and not self.env.user.has_group('mes_bridge.group_mes_admin'):
            raise UserError(_('Only the downtime reason of a machine state can be changed.'))
        return super().write(vals)

    @api.depends('date_start', 'date_stop')
    def _compute_duration(self):
        for period in self:
            period.duration = ((period.date_stop - period.date_start).total_seconds() / 60.0
                               if period.date_stop and period.date_start else 0.0)

    @api.model
    def _mes_demo_history(self, days=7):
        """A week of believable machine states and counts for the demo equipment (called
        from demo data only): periods never cross a shift change (06:00, 14:00, 22:00)."""
        import random
        from datetime import datetime, timedelta
        rng = random.Random(42)
        reasons = ['Mould jam', 'Material shortage', 'Changeover', 'Robot fault',
                   'Waiting for QC']
        today = datetime.utcnow().replace(hour=6, minute=0, second=0, microsecond=0)
        vals = []
        for xmlid in ('mes_equipment.eq_imm_01', 'mes_equipment.eq_lt_02'):
            equipment = self.env.ref(xmlid, raise_if_not_found=False)
            if not equipment:
                continue
            cycle = equipment.mes_ideal_cycle_time or 10.0
            for day in range(days, 0, -1):
                for shift in range(3):
                    start = today - timedelta(days=day) + timedelta(hours=8 * shift)
                    end = start + timedelta(hours=8)
                    cursor = start
                    while cursor < end:
                        if rng.random() < 0.75:
                            state, reason = 'running', False
                            minutes = rng.randint(40, 150)
                        else:
                            reason = rng.choice(reasons)
                            state = 'setup' if reason == 'Changeover' else 'down'
                            minutes = rng.randint(5, 45)
                        stop = min(cursor + timedelta(minutes=minutes), end)
                        total = good = 0
                        if state == 'running':
                            total = int((stop - cursor).total_seconds() / cycle
                                        * rng.uniform(0.85, 0.98))
                            good = int(total * rng.uniform(0.97, 0.995))
                        vals.append({'equipment_id': equipment.id, 'state': state,
                                     'reason': reason, 'date_start': cursor,
                                     'date_stop': stop, 'total_count': total,
                                     'good_count': good})
                        cursor = stop
        self.create(vals)
        return True
