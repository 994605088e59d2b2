import datetime
import logging

from odoo import api, fields, models

from ..lib import process_store

_logger = logging.getLogger(__name__)


class MesProcessValue(models.Model):
    """A process value from a machine. High volume: written by the collector with ``COPY``
    into a table partitioned by day (``lib/process_store.py``), read through the ORM. The
    row is lean; the work order and the production are those running on the equipment's
    work center at the source time (derived when read, summarized per production in
    ``mes.process.summary``)."""
    _name = 'mes.process.value'
    # the data dictionary's units (mes.integration.catalogue)
    _mes_field_units = {'value': 'the unit of the tag (tag_id.uom_id)'}
    _description = 'Process Value'
    _order = 'source_ts desc, id desc'
    _log_access = False
    _auto = False  # a partitioned table: created in init()

    tag_id = fields.Many2one('mes.opcua.tag', required=True, ondelete='restrict')
    equipment_id = fields.Many2one(related='tag_id.equipment_id')
    value = fields.Float()
    source_ts = fields.Datetime(string='Source Time (UTC)', required=True)
    status = fields.Char(string='Status Code', help='Empty when the value is Good.')
    backfilled = fields.Boolean(
        help="Read back from the server's history after the collector was not listening "
             "(a crash, a restart, a lost connection).")
    workorder_id = fields.Many2one('mrp.workorder', compute='_compute_workorder_id')
    production_id = fields.Many2one('mrp.production', compute='_compute_workorder_id')

    def init(self):
        process_store.create_storage(self.env.cr)

    @api.depends('tag_id', 'source_ts')
    def _compute_workorder_id(self):
        # the work center's time records say what ran when (one query for the lot)
        self.env['mrp.workcenter.productivity'].flush_model()
        self.env.cr.execute("""
            SELECT v.id, wp.workorder_id, wo.production_id
              FROM mes_process_value v
              JOIN mes_opcua_tag t ON t.id = v.tag_id
              JOIN maintenance_equipment e ON e.id = t.equipment_id
              JOIN LATERAL (
                SELECT p.workorder_id FROM mrp_workcenter_productivity p
                 WHERE p.workcenter_id = e.mes_workcenter_id AND p.workorder_id IS NOT NULL
                   AND p.date_start <= v.source_ts
                   AND (p.date_end IS NULL OR p.date_end >= v.source_ts)
              ORDER BY p.date_start DESC LIMIT 1) wp ON TRUE
              JOIN mrp_workorder wo ON wo.id = wp.workorder_id
             WHERE v.id = ANY(%s)""", [[rid for rid in self.ids if isinstance(rid, int)]])
        found = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        for value in self:
            workorder, production = found.get(value.id, (False, False))
            value.workorder_id = workorder
            value.production_id = production

    @api.model
    def mes_trend(self, tag_ids, date_from, date_to):
        """Trend data of process tags over a time range.

        ``tag_ids``: OPC UA tags; ``date_from``, ``date_to``: UTC, "YYYY-MM-DD HH:MM:SS".
        Returns ``series`` (per tag: resolution raw, minute or hour; points ``[ms, value]``
        or ``[ms, min, mean, max]``; limits), ``workorders`` and ``states`` (bands, ms since
        the epoch). Raw values up to a week and 8,000 values, aggregates beyond."""
        return self._mes_trend(tag_ids, date_from, date_to)

    @api.model
    def _mes_trend(self, tag_ids, date_from, date_to, points=2000):
        """What a trend of ``tag_ids`` over [date_from, date_to] (naive UTC) draws: per tag
        the raw values when the range (a week at most) holds few enough of them (4 x
        ``points``), else minute or hour
        aggregates (min, mean, max per period, so that a peak survives the zoom), with the
        limits; and the work orders and machine states of the tags' equipment as bands.
        Read access as the user (record rules apply); times in ms since the epoch (UTC)."""
        date_from = fields.Datetime.to_datetime(date_from)
        date_to = fields.Datetime.to_datetime(date_to)
        tags = self.env['mes.opcua.tag'].search([('id', 'in', list(tag_ids))])
        tags.check_access('read')
        epoch = datetime.datetime(1970, 1, 1)

        def ms(at):
            return round((at - epoch).total_seconds() * 1000)
        span = (date_to - date_from).total_seconds()
        cr = self.env.cr
        series = []
        for tag in tags:
            # raw values while they are few enough to draw (counted up to that: cheap), then
            # minutes, then hours
            # (a week at most: beyond, the aggregates hold the whole range, raw values may not)
            resolution = 'raw'
            many = span > 7 * 86400
            if not many:
                cr.execute('SELECT count(*) FROM (SELECT 1 FROM mes_process_value WHERE '
                           'tag_id = %s AND source_ts BETWEEN %s AND %s LIMIT %s) x',
                           [tag.id, date_from, date_to, points * 4 + 1])
                many = cr.fetchone()[0] > points * 4
            if many:
                resolution = 'minute' if span / 60 <= points * 2 else 'hour'
            if resolution == 'raw':
                cr.execute('SELECT source_ts, value FROM mes_process_value WHERE tag_id = %s '
                           'AND source_ts BETWEEN %s AND %s ORDER BY source_ts',
                           [tag.id, date_from, date_to])
                data = [[ms(at), value] for at, value in cr.fetchall()]
            else:
                self.env['mes.process.aggregate'].flush_model()
                cr.execute('SELECT bucket, value_min, value_sum / NULLIF(value_count, 0), '
                           'value_max FROM mes_process_aggregate WHERE tag_id = %s AND '
                           'resolution = %s AND bucket >= %s AND bucket <= %s '
                           'ORDER BY bucket', [tag.id, resolution,
                                               date_from.replace(second=0, microsecond=0,
                                                                 minute=0 if resolution ==
                                                                 'hour' else date_from.minute),
                                               date_to])
                data = [[ms(at), low, mean, high] for at, low, mean, high in cr.fetchall()]
            series.append({
                'tag_id': tag.id, 'name': tag.name, 'equipment': tag.equipment_id.name,
                'uom': tag.uom_id.name or '', 'resolution': resolution, 'points': data,
                'limits': [tag.lower_limit, tag.upper_limit] if tag.has_limits else None})
        equipment = tags.equipment_id
        productivity = self.env['mrp.workcenter.productivity'].sudo().search([
            ('workcenter_id', 'in', equipment.mes_workcenter_id.ids),
            ('workorder_id', '!=', False), ('date_start', '<=', date_to),
            '|', ('date_end', '=', False), ('date_end', '>=', date_from)], order='date_start')
        periods = self.env['mes.equipment.state.period'].search([
            ('equipment_id', 'in', equipment.ids), ('date_start', '<=', date_to),
            '|', ('date_stop', '=', False), ('date_stop', '>=', date_from)], order='date_start')
        return {
            'series': series,
            'workorders': [{'name': log.workorder_id.display_name,
                            'production': log.workorder_id.production_id.name,
                            'start': ms(max(log.date_start, date_from)),
                            'stop': ms(min(log.date_end or date_to, date_to))}
                           for log in productivity],
            'states': [{'equipment': period.equipment_id.name, 'state': period.state,
                        'start': ms(max(period.date_start, date_from)),
                        'stop': ms(min(period.date_stop or date_to, date_to))}
                       for period in periods],
        }

    @api.model
    def _mes_ensure_partitions(self, days_ahead=None):
        """The job: day partitions from yesterday to ``days_ahead`` days ahead."""
        if days_ahead is None:
            days_ahead = int(self.env['ir.config_parameter'].sudo().get_param(
                'mes_equipment.process_partition_days_ahead', 7))
        today = fields.Date.context_today(self.with_context(tz='UTC'))
        return process_store.ensure_partitions(
            self.env.cr, today - process_store.DAY, today + days_ahead * process_store.DAY)

    @api.model
    def _mes_retention_holds(self, equipment, start, stop):
        """The productions that keep the raw values of ``equipment`` between ``start`` and
        ``stop``: those that ran then (on the equipment's work center; equipment without a
        work center: any) and are not finished. (mes_quality_equipment adds the finished ones
        whose production record is not released.)"""
        productions = self.env['mrp.production'].sudo().search([
            ('date_start', '<=', stop), '|', ('date_finished', '=', False),
            ('date_finished', '>=', start), ('state', '!=', 'cancel')])
        if equipment and all(item.mes_workcenter_id for item in equipment):
            productions = productions.filtered(
                lambda p: p.workorder_ids.workcenter_id & equipment.mes_workcenter_id)
        return productions.filtered(lambda p: p.state != 'done')

    @api.model
    def _mes_apply_retention(self, now=None):
        """Drop the day partitions older than the retention of every tag with values in them,
        unless a production that ran then still needs them; the values of the tags critical
        for the record are archived first. Returns the partitions dropped."""
        now = now or datetime.datetime.utcnow()
        classes = self.env['mes.process.retention'].sudo().search([])
        if not classes:
            return []  # no retention configured: raw values are kept
        longest = max(classes.mapped('raw_days'))
        shortest = min(classes.mapped('raw_days'))
        Tag = self.env['mes.opcua.tag'].sudo().with_context(active_test=False)
        cr = self.env.cr
        dropped = []
        for name, day, next_day in process_store.partitions(cr):
            start = datetime.datetime.combine(day, datetime.time())
            stop = datetime.datetime.combine(next_day, datetime.time())
            if stop > now - datetime.timedelta(days=shortest):
                break  # (in order of days: the rest is younger)
            tags = Tag.browse(process_store.partition_tags(cr, name))
            keep = max([tag.retention_id.raw_days or longest for tag in tags] or [0])
            if stop > now - datetime.timedelta(days=keep):
                continue
            holding = self._mes_retention_holds(tags.equipment_id, start, stop)
            if holding:
                _logger.info('process values of %s kept: %s not released', name,
                             ', '.join(holding.mapped('name')))
                continue
            critical = tags.filtered('record_critical')
            # (a line in the manifest for every partition dropped, its file holding the values
            # of the critical tags, if any: what was dropped when stays known)
            self.env['mes.process.archive']._mes_archive_partition(
                name, start, stop, critical.ids)
            process_store.drop_partition(cr, name)
            dropped.append(name)
            _logger.info('process value partition %s dropped (%d tags archived)', name,
                         len(critical))
        return dropped

    @api.model
    def _cron_process_retention(self):
        return self._mes_apply_retention()

    @api.model_create_multi
    def create(self, vals_list):
        """(The collector writes with COPY; a value created here is aggregated too.)"""
        records = super().create(vals_list)
        self.flush_model()
        for record in records:
            process_store.queue_buckets(self.env.cr, record.tag_id.id, record.source_ts,
                                        record.source_ts)
        return records

    @api.model
    def _cron_process_data(self):
        """Partitions ahead, the minute and hour aggregates of what arrived, the summaries
        of the productions under way."""
        self._mes_ensure_partitions()
        self.env['mes.process.aggregate']._mes_refresh()
        self.env['mes.process.summary']._cron_refresh()
