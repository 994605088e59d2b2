from odoo import _, api, fields, models

EVENT_KINDS = [
    ('gap', 'Data gap'),
    ('out_of_limit', 'Out-of-limit process value'),
    ('state', 'Machine state change'),
    ('spool', 'Collector spool alarm'),
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

    # one gap per tag and last stored value (see lib/opcua_collector.py: the collector's
    # INSERT ... ON CONFLICT names this index)
    _tag_gap_unique = models.UniqueIndex(
        "(tag_id, date_from) WHERE kind = 'gap' AND tag_id IS NOT NULL",
        'A gap of a tag is recorded once from its last stored value.')

    @api.model
    def _mes_process_pending(self, limit=5000):
        events = self.search([('processed', '=', False)], limit=limit, order='id')
        tag_gaps = events.filtered(lambda e: e.kind == 'gap' and e.tag_id)
        for event in events - tag_gaps:
            getattr(event, '_mes_process_%s' % event.kind)()
        tag_gaps._mes_process_tag_gaps()
        events.write({'processed': True})
        return len(events)

    def _mes_process_tag_gaps(self):
        """The gaps the collector found on resuming, tag by tag: one exception per hole of a
        server (the tags silent over overlapping intervals), naming the tags, the interval
        and the work orders running then. A gap already reported and only extended (the
        collector crashed again before storing anything) updates its exception."""
        for server in self.server_id:
            gaps = self.filtered(lambda e, s=server: e.server_id == s).sorted('date_from')
            holes = []
            for gap in gaps:
                if holes and gap.date_from <= holes[-1][2]:
                    hole = holes[-1]
                    hole[0] |= gap
                    hole[2] = max(hole[2], gap.date_to)
                else:
                    holes.append([gap, gap.date_from, gap.date_to])
            for events, start, stop in holes:
                reported = events.exception_id[:1] or self.search([
                    ('server_id', '=', server.id), ('kind', '=', 'gap'),
                    ('tag_id', '!=', False), ('exception_id', '!=', False),
                    ('date_from', '<', stop), ('date_to', '>', start)], limit=1).exception_id
                description = events._mes_gap_description(server, start, stop)
                if reported:
                    reported.sudo().message_post(body=description)
                    events.exception_id = reported
                    continue
                workorders = events._mes_running_workorders(start, stop)
                events.exception_id = self.env['mes.exception']._mes_raise(
                    workorders[:1] or None, 'data_gap', description, source='process_data',
                    company_id=(server.company_id or self.env.company).id)

    def _mes_gap_description(self, server, start, stop):
        workorders = self._mes_running_workorders(start, stop)
        return _('Process data gap on %(server)s from %(start)s to %(stop)s UTC (%(seconds)d s), '
                 'not in the server history: %(tags)s. Work orders running then: '
                 '%(workorders)s.', server=server.name, start=start, stop=stop,
                 seconds=(stop - start).total_seconds(),
                 tags=', '.join(sorted(set(self.tag_id.mapped('name')))),
                 workorders=', '.join(workorders.mapped('display_name')) or _('none'))

    def _mes_running_workorders(self, start, stop):
        workcenters = self.equipment_id.mes_workcenter_id
        if not workcenters:
            return self.env['mrp.workorder']
        return self.env['mrp.workcenter.productivity'].sudo().search([
            ('workcenter_id', 'in', workcenters.ids), ('workorder_id', '!=', False),
            ('date_start', '<=', stop), '|', ('date_end', '=', False),
            ('date_end', '>=', start)], order='date_start').workorder_id

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

    def _mes_process_spool(self):
        company = self.server_id.company_id or self.env.company
        self.exception_id = self.env['mes.exception']._mes_raise(
            None, 'data_gap', _('The process data collector cannot keep up with the plant '
                                '(%(at)s UTC): %(detail)s', at=self.date_from,
                                detail=self.message or ''),
            source='process_data', company_id=company.id)

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
