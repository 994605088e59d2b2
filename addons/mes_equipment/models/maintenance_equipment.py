from datetime import timedelta

from odoo import _, api, fields, models

from ..lib import oee as oee_lib

EQUIPMENT_STATES = [
    ('running', 'Running'),
    ('idle', 'Idle'),
    ('down', 'Down'),
    ('setup', 'Setup'),
    ('maintenance', 'Maintenance'),
]


class MaintenanceEquipment(models.Model):
    _name = 'maintenance.equipment'
    _inherit = ['maintenance.equipment', 'mes.audited']
    _mes_audit_fields = ('name', 'mes_code', 'mes_equipment_class_id', 'mes_workcenter_id',
                         'mes_ideal_cycle_time', 'active')
    # equipment with a GxP history is archived, never deleted (the mixin refuses it)

    mes_code = fields.Char(string='Equipment ID', index=True, copy=False,
                           help='The code scanned at equipment-check steps (e.g. MOULD-07).')
    mes_equipment_class_id = fields.Many2one('mes.equipment.class', string='Equipment Class')
    mes_workcenter_id = fields.Many2one('mrp.workcenter', string='Serves Work Center',
                                        index=True)
    mes_ideal_cycle_time = fields.Float(string='Ideal Cycle Time (s)')
    mes_qualification_ids = fields.One2many('mes.equipment.qualification', 'equipment_id',
                                            string='Qualification')
    mes_calibration_ids = fields.One2many('mes.equipment.calibration', 'equipment_id',
                                          string='Calibrations')
    mes_calibration_due = fields.Date(string='Calibration Due',
                                      compute='_compute_mes_calibration', store=True)
    mes_calibration_request_id = fields.Many2one('maintenance.request', copy=False,
                                                 string='Calibration Request')
    mes_state_period_ids = fields.One2many('mes.equipment.state.period', 'equipment_id',
                                           string='State Periods')
    mes_oee_7d = fields.Float(string='OEE, last 7 days (%)', compute='_compute_mes_oee')
    mes_availability_7d = fields.Float(string='Availability (%)', compute='_compute_mes_oee')
    mes_performance_7d = fields.Float(string='Performance (%)', compute='_compute_mes_oee')
    mes_quality_7d = fields.Float(string='Quality (%)', compute='_compute_mes_oee')
    mes_usable = fields.Boolean(string='Usable', compute='_compute_mes_usable')
    mes_unusable_reason = fields.Text(string='Why Not Usable', compute='_compute_mes_usable')

    _mes_code_unique = models.Constraint('UNIQUE (mes_code, company_id)',
                                         'An equipment ID is used once per company.')

    @api.depends('mes_calibration_ids.date_due', 'mes_calibration_ids.result',
                 'mes_calibration_ids.date')
    def _compute_mes_calibration(self):
        for equipment in self:
            last = equipment.mes_calibration_ids.sorted(lambda c: (c.date, c.id))[-1:]
            equipment.mes_calibration_due = last.date_due if last and last.result != 'fail' \
                else False

    def _compute_mes_oee(self):
        end = fields.Datetime.now()
        start = end - timedelta(days=7)
        for equipment in self:
            result = equipment.mes_oee(start, end) if equipment.id else {}
            equipment.mes_oee_7d = 100.0 * result.get('oee', 0.0)
            equipment.mes_availability_7d = 100.0 * result.get('availability', 0.0)
            equipment.mes_performance_7d = 100.0 * result.get('performance', 0.0)
            equipment.mes_quality_7d = 100.0 * result.get('quality', 0.0)

    def action_mes_oee_report(self):
        action = self.env['ir.actions.act_window']._for_xml_id(
            'mes_equipment.action_mes_oee_report')
        action['domain'] = [('equipment_id', 'in', self.ids)]
        return action

    def _compute_mes_usable(self):
        for equipment in self:
            reasons = equipment._mes_unusable_reasons()
            equipment.mes_usable = not reasons
            equipment.mes_unusable_reason = '\n'.join(reasons) or False

    def _mes_qualification_required(self):
        return self.mes_equipment_class_id.qualification_required \
            if self.mes_equipment_class_id else True

    def _mes_calibration_required(self):
        return self.mes_equipment_class_id.calibration_required \
            if self.mes_equipment_class_id else True

    def _mes_unusable_reasons(self, on_date=None):
        """Why this equipment may not make product today, in words (empty when usable)."""
        self.ensure_one()
        today = on_date or fields.Date.context_today(self)
        reasons = []
        if self._mes_qualification_required():
            labels = dict(self.env['mes.equipment.qualification']._fields['stage']
                          ._description_selection(self.env))
            for stage in ('iq', 'oq', 'pq'):
                last = self.mes_qualification_ids.filtered(lambda q: q.stage == stage).sorted(
                    lambda q: (q.date, q.id))[-1:]
                if not last:
                    reasons.append(_('%(equipment)s has no %(stage)s.', equipment=self.name,
                                     stage=labels[stage]))
                elif last.result != 'pass':
                    reasons.append(_('%(equipment)s failed its %(stage)s on %(date)s.',
                                     equipment=self.name, stage=labels[stage], date=last.date))
                elif last.valid_until and last.valid_until < today:
                    reasons.append(_('%(equipment)s: %(stage)s expired on %(date)s.',
                                     equipment=self.name, stage=labels[stage],
                                     date=last.valid_until))
        if self._mes_calibration_required():
            last = self.mes_calibration_ids.sorted(lambda c: (c.date, c.id))[-1:]
            if not last:
                reasons.append(_('%(equipment)s has never been calibrated.', equipment=self.name))
            elif last.result == 'fail':
                reasons.append(_('%(equipment)s failed its last calibration (%(date)s).',
                                 equipment=self.name, date=last.date))
            elif last.date_due < today:
                reasons.append(_('%(equipment)s is overdue for calibration since %(date)s.',
                                 equipment=self.name, date=last.date_due))
        blocking = self.env['maintenance.request'].sudo().search([
            ('equipment_id', '=', self.id), ('mes_blocks_use', '=', True),
            ('stage_id.done', '=', False), ('archive', '=', False)], limit=1)
        if blocking:
            reasons.append(_('%(equipment)s is under maintenance request "%(request)s".',
                             equipment=self.name, request=blocking.name))
        return reasons

    @api.model
    def _mes_find(self, code, company=None):
        code = (code or '').strip()
        if not code:
            return self.browse()
        domain = ['|', ('mes_code', '=ilike', code), ('serial_no', '=ilike', code)]
        if company:
            domain.append(('company_id', 'in', [company.id, False]))
        return self.sudo().search(domain, limit=1)

    # -- calibration reminders ------------------------------------------------------------
    @api.model
    def _cron_mes_calibration_requests(self):
        """Open a maintenance request ahead of each calibration due date, once."""
        days = self.env.company.mes_calibration_notice_days or 0
        horizon = fields.Date.context_today(self) + timedelta(days=days)
        due = self.search([('mes_calibration_due', '!=', False),
                           ('mes_calibration_due', '<=', horizon),
                           ('mes_calibration_request_id', '=', False)])
        Request = self.env['maintenance.request'].sudo()
        for equipment in due:
            request = Request.create({
                'name': _('Calibration due %(date)s: %(equipment)s',
                          date=equipment.mes_calibration_due, equipment=equipment.name),
                'equipment_id': equipment.id,
                'maintenance_type': 'preventive',
                'schedule_date': fields.Datetime.to_datetime(equipment.mes_calibration_due),
                'mes_blocks_use': False,
                'company_id': equipment.company_id.id or self.env.company.id,
            })
            equipment.sudo().mes_calibration_request_id = request
        return due

    # -- OEE --------------------------------------------------------------------------------
    def mes_oee(self, date_from, date_to):
        """OEE over [date_from, date_to) from state periods and the counts they carry."""
        self.ensure_one()
        date_from = fields.Datetime.to_datetime(date_from)
        date_to = fields.Datetime.to_datetime(date_to)
        periods = self.env['mes.equipment.state.period'].search([
            ('equipment_id', '=', self.id), ('date_start', '<', date_to),
            '|', ('date_stop', '=', False), ('date_stop', '>', date_from)])
        now = fields.Datetime.now()
        rows = [(p.state, p.date_start, p.date_stop or min(now, date_to), p.reason or None)
                for p in periods]
        total = sum(periods.mapped('total_count'))
        good = sum(periods.mapped('good_count'))
        cycle = self.mes_ideal_cycle_time or self.mes_equipment_class_id.ideal_cycle_time
        return oee_lib.oee(rows, date_from, date_to, cycle, total, good)
