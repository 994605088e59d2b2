from odoo import fields, models, tools


class MesOeeReport(models.Model):
    """OEE per equipment, day and shift (A 06-14, B 14-22, C 22-06 UTC), from state periods."""
    _name = 'mes.oee.report'
    _description = 'OEE by Day and Shift'
    _auto = False
    _order = 'day desc, shift, equipment_id'

    equipment_id = fields.Many2one('maintenance.equipment', readonly=True)
    workcenter_id = fields.Many2one('mrp.workcenter', readonly=True)
    company_id = fields.Many2one('res.company', readonly=True)
    day = fields.Date(readonly=True)
    shift = fields.Selection([('A', 'A (06-14)'), ('B', 'B (14-22)'), ('C', 'C (22-06)')],
                             readonly=True)
    planned_hours = fields.Float(readonly=True, aggregator='sum')
    run_hours = fields.Float(readonly=True, aggregator='sum')
    downtime_hours = fields.Float(readonly=True, aggregator='sum')
    total_count = fields.Integer(readonly=True, aggregator='sum')
    good_count = fields.Integer(readonly=True, aggregator='sum')
    availability = fields.Float(string='Availability (%)', readonly=True, aggregator='avg')
    performance = fields.Float(string='Performance (%)', readonly=True, aggregator='avg')
    quality = fields.Float(string='Quality (%)', readonly=True, aggregator='avg')
    oee = fields.Float(string='OEE (%)', readonly=True, aggregator='avg')

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        # the same arithmetic as lib/oee.py, per day and shift
        self.env.cr.execute("""
            CREATE VIEW %s AS (
                WITH periods AS (
                    SELECT p.equipment_id, e.mes_workcenter_id AS workcenter_id, e.company_id,
                           p.state, p.total_count, p.good_count, p.date_start, p.date_stop,
                           extract(epoch FROM p.date_stop - p.date_start) AS period_seconds,
                           COALESCE(NULLIF(e.mes_ideal_cycle_time, 0), c.ideal_cycle_time, 0)
                               AS cycle,
                           -- 06:00 UTC on or before the start: shift A of the period's day
                           date_trunc('day', p.date_start - interval '6 hours')
                               + interval '6 hours' AS anchor
                      FROM mes_equipment_state_period p
                      JOIN maintenance_equipment e ON e.id = p.equipment_id
                 LEFT JOIN mes_equipment_class c ON c.id = e.mes_equipment_class_id
                     WHERE p.date_stop IS NOT NULL AND p.date_stop > p.date_start
                ), pieces AS (
                    -- a period is cut at every shift change it crosses, as lib/oee.py clips
                    -- it to a window; its counts are shared in proportion to the time
                    SELECT pr.equipment_id, pr.workcenter_id, pr.company_id, pr.state,
                           pr.cycle, w.shift_start,
                           extract(epoch FROM LEAST(pr.date_stop,
                                                    w.shift_start + interval '8 hours')
                                              - GREATEST(pr.date_start, w.shift_start))
                               AS seconds,
                           pr.total_count, pr.good_count, pr.period_seconds
                      FROM periods pr
                     CROSS JOIN LATERAL generate_series(
                           pr.anchor + floor(extract(epoch FROM pr.date_start - pr.anchor)
                                             / 28800) * interval '8 hours',
                           pr.date_stop, interval '8 hours') AS w(shift_start)
                ), shares AS (
                    SELECT equipment_id, workcenter_id, company_id, state, cycle,
                           (shift_start - interval '6 hours')::date AS day,
                           CASE extract(hour FROM shift_start) WHEN 6 THEN 'A'
                                WHEN 14 THEN 'B' ELSE 'C' END AS shift,
                           seconds,
                           COALESCE(total_count, 0) * seconds / period_seconds AS total,
                           COALESCE(good_count, 0) * seconds / period_seconds AS good
                      FROM pieces WHERE seconds > 0
                ), agg AS (
                    SELECT equipment_id, workcenter_id, company_id, day, shift,
                           sum(seconds) AS planned,
                           sum(seconds) FILTER (WHERE state = 'running') AS run,
                           round(sum(total)) AS total, round(sum(good)) AS good,
                           max(cycle) AS cycle
                      FROM shares GROUP BY 1, 2, 3, 4, 5
                )
                -- a stable id: the same row keeps it between a search and the read after it
                SELECT row_number() OVER (ORDER BY equipment_id, day, shift) AS id,
                       equipment_id, workcenter_id, company_id,
                       day, shift, planned / 3600.0 AS planned_hours,
                       COALESCE(run, 0) / 3600.0 AS run_hours,
                       (planned - COALESCE(run, 0)) / 3600.0 AS downtime_hours,
                       total::integer AS total_count, good::integer AS good_count,
                       100.0 * COALESCE(run, 0) / NULLIF(planned, 0) AS availability,
                       100.0 * cycle * total / NULLIF(run, 0) AS performance,
                       100.0 * good / NULLIF(total, 0) AS quality,
                       100.0 * (COALESCE(run, 0) / NULLIF(planned, 0))
                             * (cycle * total / NULLIF(run, 0))
                             * (good::float / NULLIF(total, 0)) AS oee
                  FROM agg
            )
        """ % self._table)
