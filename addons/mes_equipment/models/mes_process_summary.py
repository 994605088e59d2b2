import datetime

from odoo import api, fields, models

from ..lib import process_store


class MesProcessSummary(models.Model):
    """Per production and process parameter: what the equipment's values did while it
    worked for the order (min, max, mean, time out of limits, each excursion with its
    duration, data gaps). Kept up to date from the minute aggregates (whole minutes) and the
    raw values (the edges of the order's time windows) by the process data job, and
    refreshed when the production record is compiled: ready for review by exception."""
    _name = 'mes.process.summary'
    _description = 'Process Data Summary of a Production'
    _order = 'production_id, equipment_id, tag_id'
    _log_access = False

    production_id = fields.Many2one('mrp.production', required=True, ondelete='cascade',
                                    index=True, readonly=True)
    tag_id = fields.Many2one('mes.opcua.tag', string='Parameter', required=True,
                             ondelete='cascade', readonly=True)
    equipment_id = fields.Many2one('maintenance.equipment', readonly=True)
    uom_id = fields.Many2one(related='tag_id.uom_id')
    date_from = fields.Datetime(string='From (UTC)', readonly=True)
    date_to = fields.Datetime(string='To (UTC)', readonly=True)
    value_count = fields.Integer(string='Values', readonly=True)
    value_min = fields.Float(string='Minimum', readonly=True)
    value_max = fields.Float(string='Maximum', readonly=True)
    value_mean = fields.Float(string='Mean', readonly=True)
    lower_limit = fields.Float(readonly=True)
    upper_limit = fields.Float(readonly=True)
    has_limits = fields.Boolean(readonly=True)
    out_of_limit_seconds = fields.Float(string='Time out of Limits (s)', readonly=True)
    excursion_count = fields.Integer(string='Excursions', readonly=True)
    excursions = fields.Json(string='Excursion List', readonly=True,
                             help='Each excursion: start, end, duration (s), farthest value.')
    gap_count = fields.Integer(string='Data Gaps', readonly=True)
    gap_seconds = fields.Float(string='Gap Time (s)', readonly=True)
    refreshed = fields.Datetime(readonly=True)

    _production_tag_unique = models.Constraint(
        'UNIQUE (production_id, tag_id)', 'One summary per production and parameter.')

    @api.model
    def _mes_refresh(self, productions):
        """Recompute the summaries of ``productions`` (aggregates brought up to date first)."""
        self.env['mes.process.aggregate']._mes_refresh(settle=0)
        Tag = self.env['mes.opcua.tag'].sudo()
        Event = self.env['mes.opcua.event'].sudo()
        cr = self.env.cr
        now = fields.Datetime.now()
        Archive = self.env['mes.process.archive'].sudo()
        hold = datetime.timedelta(seconds=process_store.HOLD_LIMIT)
        for production in productions:
            existing = {s.tag_id.id: s for s in self.sudo().search(
                [('production_id', '=', production.id)])}
            seen = set()
            for equipment, windows in production._mes_process_windows().items():
                start, stop = windows[0][0], windows[-1][1]
                # raw values of a dropped partition (the manifest has a line for each)
                dropped = bool(Archive.search_count([('date_from', '<=', stop + hold),
                                                     ('date_to', '>=', start - hold)]))
                for tag in Tag.search([('equipment_id', '=', equipment.id),
                                       ('meaning', '=', 'parameter')]):
                    if dropped and not tag.record_critical:
                        # the raw values are gone: the summary made from them stays
                        seen.add(tag.id)
                        continue
                    if dropped:
                        # values of a critical tag: from its archives (and what is left)
                        archived = Archive.search([
                            ('tag_ids', 'in', tag.id), ('date_from', '<=', stop + hold),
                            ('date_to', '>=', start - hold)])._mes_read(
                                [tag.id], start - hold, stop + hold)
                        cr.execute('SELECT source_ts, value FROM mes_process_value_data '
                                   'WHERE tag_id = %s AND source_ts >= %s AND source_ts <= %s',
                                   [tag.id, start - hold, stop + hold])
                        values = sorted({(row[1], row[2]) for row in archived} |
                                        set(cr.fetchall()))
                        (low, high, total, count, out, excursion_count), runs = \
                            process_store.figures_of(
                                values, windows, tag.lower_limit if tag.has_limits else None,
                                tag.upper_limit if tag.has_limits else None)
                    else:
                        low, high, total, count, out, excursion_count = \
                            process_store.summarize(cr, tag.id, windows)
                        runs = process_store.excursions(
                            cr, tag.id, windows, tag.lower_limit, tag.upper_limit) \
                            if tag.has_limits and count else []
                    if not count:
                        continue
                    gaps = Event.search([
                        ('kind', '=', 'gap'), '|', ('tag_id', '=', tag.id),
                        '&', ('tag_id', '=', False), ('equipment_id', '=', equipment.id),
                        ('date_from', '<=', stop), '|', ('date_to', '=', False),
                        ('date_to', '>=', start)])
                    gap_seconds = sum(max(0.0, (min(gap.date_to or b, b) - max(gap.date_from, a))
                                          .total_seconds())
                                      for gap in gaps if gap.date_from for a, b in windows)
                    vals = {
                        'production_id': production.id, 'tag_id': tag.id,
                        'equipment_id': equipment.id, 'date_from': start, 'date_to': stop,
                        'value_count': count, 'value_min': low, 'value_max': high,
                        'value_mean': total / count, 'has_limits': bool(tag.has_limits),
                        'lower_limit': tag.lower_limit, 'upper_limit': tag.upper_limit,
                        'out_of_limit_seconds': out, 'excursion_count': excursion_count,
                        'excursions': [{
                            'start': fields.Datetime.to_string(a),
                            'stop': fields.Datetime.to_string(b) if b else None,
                            'seconds': round(((b or now) - a).total_seconds(), 3),
                            'peak': peak} for a, b, peak in runs],
                        'gap_count': len(gaps), 'gap_seconds': gap_seconds, 'refreshed': now}
                    seen.add(tag.id)
                    if tag.id in existing:
                        existing[tag.id].sudo().write(vals)
                    else:
                        self.sudo().create(vals)
            stale = [s for tag_id, s in existing.items() if tag_id not in seen]
            for summary in stale:
                summary.sudo().unlink()
        return True

    @api.model
    def _cron_refresh(self):
        """Productions under way, and those finished in the last two days (late values)."""
        since = fields.Datetime.now() - datetime.timedelta(days=2)
        productions = self.env['mrp.production'].sudo().search([
            '|', ('state', 'in', ('progress', 'to_close')),
            '&', ('state', '=', 'done'), ('date_finished', '>=', since)])
        return self._mes_refresh(productions)
