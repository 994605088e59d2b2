from odoo import api, fields, models

from ..lib import process_store


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
    def _mes_ensure_partitions(self, days_ahead=None):
        """The job: day partitions from yesterday to ``days_ahead`` days ahead."""
        if days_ahead is None:
            days_ahead = int(self.env['ir.config_parameter'].sudo().get_param(
                'mes_equipment.process_partition_days_ahead', 7))
        today = fields.Date.context_today(self.with_context(tz='UTC'))
        return process_store.ensure_partitions(
            self.env.cr, today - process_store.DAY, today + days_ahead * process_store.DAY)

    @api.model
    def _cron_process_data(self):
        """Partitions ahead, then the minute and hour aggregates of what arrived."""
        self._mes_ensure_partitions()
        self.env['mes.process.aggregate']._mes_refresh()
