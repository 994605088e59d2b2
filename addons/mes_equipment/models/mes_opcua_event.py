from odoo import _, api, fields, models

EVENT_KINDS = [
    ('gap', 'Data gap'),
    ('out_of_limit', 'Out-of-limit process value'),
    ('state', 'Machine state change'),
]


class MesOpcuaEvent(models.Model):
    """What the collector noticed, written with its samples; Odoo turns each into an
    exception or a state period (right after the batch, and by cron as a safety net)."""
    _name = 'mes.opcua.event'
    _description = 'OPC UA Collector Event'
    _order = 'id'
    _log_access = False

    server_id = fields.Many2one('mes.opcua.server', ondelete='cascade', index=True)
    tag_id = fields.Many2one('mes.opcua.tag', ondelete='set null')
    equipment_id = fields.Many2one('maintenance.equipment', ondelete='set null')
    kind = fields.Selection(EVENT_KINDS, required=True)
    date_from = fields.Datetime()
    date_to = fields.Datetime()
    value = fields.Float()
    state = fields.Char()
    message = fields.Text()
    processed = fields.Boolean(index=True)
    exception_id = fields.Many2one('mes.exception', ondelete='set null')

    @api.model
    def _mes_process_pending(self, limit=5000):
        events = self.search([('processed', '=', False)], limit=limit, order='id')
        for event in events:
            getattr(event, '_mes_process_%s' % event.kind)()
        events.write({'processed': True})
        return len(events)

    def _mes_running_workorder(self, at):
        workcenter = self.equipment_id.mes_workcenter_id
        if not workcenter or not at:
            return self.env['mrp.workorder']
        log = self.env['mrp.workcenter.productivity'].sudo().search([
            ('workcenter_id', '=', workcenter.id), ('workorder_id', '!=', False),
            ('date_start', '<=', at), '|', ('date_end', '=', False), ('date_end', '>=', at)],
            order='date_start desc', limit=1)
        return log.workorder_id

    def _mes_process_gap(self):
        company = self.server_id.company_id or self.env.company
        self.exception_id = self.env['mes.exception']._mes_raise(
            None, 'data_gap', _('Process data gap on %(server)s from %(start)s to %(stop)s '
                                'UTC: %(detail)s', server=self.server_id.name,
                                start=self.date_from, stop=self.date_to,
                                detail=self.message or ''),
            source='process_data', company_id=company.id)

    def _mes_process_out_of_limit(self):
        workorder = self._mes_running_workorder(self.date_from)
        if not workorder:
            return  # nothing was being made: no product impact to disposition
        tag = self.tag_id
        self.exception_id = self.env['mes.exception']._mes_raise(
            workorder, 'out_of_limit', _(
                '%(equipment)s %(tag)s = %(value)s %(uom)s at %(at)s UTC, outside %(low)s - '
                '%(high)s.', equipment=self.equipment_id.name, tag=tag.name, value=self.value,
                uom=tag.uom_id.name or '', at=self.date_from, low=tag.lower_limit,
                high=tag.upper_limit),
            source='process_data', measured_value=str(self.value))

    def _mes_process_state(self):
        Period = self.env['mes.equipment.state.period'].sudo()
        open_period = Period.search([('equipment_id', '=', self.equipment_id.id),
                                     ('date_stop', '=', False)], limit=1)
        if open_period:
            open_period.date_stop = max(self.date_from, open_period.date_start)
        Period.create({'equipment_id': self.equipment_id.id, 'state': self.state,
                       'date_start': self.date_from,
                       'workorder_id': self._mes_running_workorder(self.date_from).id})

    @api.model
    def _cron_process(self):
        return self._mes_process_pending()
