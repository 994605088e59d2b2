from odoo import api, fields, models

from ..lib import process_store

RESOLUTIONS = [('minute', 'Minute'), ('hour', 'Hour')]


class MesProcessAggregate(models.Model):
    """Minute and hour aggregates of a tag's stored values, maintained as data arrives
    (``lib/process_store.refresh_aggregates``: always recomputed from the raw values of the
    bucket, so that late and backfilled values are counted once). Long trends and the
    production summaries read these; a year of one tag is 8,760 hours."""
    _name = 'mes.process.aggregate'
    _description = 'Process Value Aggregate'
    _order = 'bucket desc, tag_id'
    _log_access = False

    tag_id = fields.Many2one('mes.opcua.tag', required=True, ondelete='cascade', readonly=True)
    equipment_id = fields.Many2one(related='tag_id.equipment_id')
    resolution = fields.Selection(RESOLUTIONS, required=True, readonly=True)
    bucket = fields.Datetime(string='Period Start (UTC)', required=True, readonly=True)
    value_min = fields.Float(string='Minimum', readonly=True)
    value_max = fields.Float(string='Maximum', readonly=True)
    value_sum = fields.Float(string='Sum', readonly=True)
    value_count = fields.Integer(string='Values', readonly=True)
    value_mean = fields.Float(string='Mean', compute='_compute_value_mean')
    first_ts = fields.Datetime(string='First Value Time', readonly=True)
    first_value = fields.Float(readonly=True)
    last_ts = fields.Datetime(string='Last Value Time', readonly=True)
    last_value = fields.Float(readonly=True)
    out_of_limit_seconds = fields.Float(
        string='Time out of Limits (s)', readonly=True,
        help='For each value outside the limits, the time until the next value (a value '
             'holds until the next one, at most an hour), counted in the period of the value.')
    excursion_count = fields.Integer(
        string='Excursions', readonly=True,
        help='Values outside the limits whose previous value was inside them.')
    refreshed = fields.Datetime(readonly=True)

    _bucket_unique = models.Constraint('UNIQUE (tag_id, resolution, bucket)',
                                       'One aggregate per tag, resolution and period.')

    @api.depends('value_sum', 'value_count')
    def _compute_value_mean(self):
        for aggregate in self:
            aggregate.value_mean = aggregate.value_sum / aggregate.value_count \
                if aggregate.value_count else 0.0

    @api.model
    def _mes_refresh(self, settle=None):
        """Aggregate every due queued minute (in rounds, each its own batch)."""
        self.env['mes.process.value'].flush_model()
        self.flush_model()
        total = 0
        while True:
            done = process_store.refresh_aggregates(
                self.env.cr, settle=process_store.SETTLE_SECONDS if settle is None
                else settle)
            total += done
            if done < 20000:
                break
        self.invalidate_model()
        return total
