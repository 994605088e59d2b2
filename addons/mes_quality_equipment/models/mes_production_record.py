from odoo import _, api, fields, models


class MesProductionRecord(models.Model):
    _inherit = 'mes.production.record'

    @api.model
    def _mes_record_equipment(self, production, steps):
        """Equipment used, with its qualification and calibration status at that moment
        (records dated after the use do not count)."""
        rows = super()._mes_record_equipment(production, steps)
        Equipment = self.env['maintenance.equipment'].sudo()
        for row in rows:
            equipment = Equipment._mes_find(row['code'], production.company_id)
            if not equipment:
                row.update(name=None, usable=None, problem=_('not registered in Maintenance'))
                continue
            used = fields.Datetime.from_string(row['date']).date() if row.get('date') \
                else fields.Date.context_today(self)
            problems = equipment._mes_status_problems_at(used)
            calibration = equipment.mes_calibration_ids.filtered(
                lambda c: c.date <= used).sorted(lambda c: (c.date, c.id))[-1:]
            row.update(name=equipment.name, usable=not problems,
                       problem='; '.join(problems) or None,
                       calibration_due=fields.Date.to_string(calibration.date_due)
                       if calibration else None)
        return rows

    @api.model
    def _mes_record_process_data(self, production):
        """Per process parameter recorded during the order: min / max / mean, values outside
        the tag's limits, and the collector's data gaps over the order's time span."""
        rows = super()._mes_record_process_data(production)
        self.env['mes.process.value'].flush_model()
        cr = self.env.cr
        cr.execute("""
            SELECT t.id, t.name, MIN(v.value), MAX(v.value), AVG(v.value), COUNT(*),
                   COUNT(*) FILTER (WHERE t.has_limits AND (v.value < t.lower_limit
                                                            OR v.value > t.upper_limit))
              FROM mes_process_value v JOIN mes_opcua_tag t ON t.id = v.tag_id
             WHERE v.production_id = %s
          GROUP BY t.id, t.name ORDER BY t.name, t.id
        """, [production.id])
        tags = cr.fetchall()
        if not tags:
            return rows
        # the order's time span, widened to the values recorded for it
        cr.execute('SELECT MIN(source_ts), MAX(source_ts) FROM mes_process_value '
                   'WHERE production_id = %s', [production.id])
        first, last = cr.fetchone()
        start = min(filter(None, [production.date_start, first]))
        end = max(filter(None, [production.date_finished or fields.Datetime.now(), last]))
        Tag = self.env['mes.opcua.tag'].sudo()
        for tag_id, _name, low, high, mean, count, excursions in tags:
            tag = Tag.browse(tag_id)
            gaps = self.env['mes.opcua.event'].sudo().search([
                ('kind', '=', 'gap'), '|', ('tag_id', '=', tag_id),
                '&', ('tag_id', '=', False), ('equipment_id', '=', tag.equipment_id.id),
                ('date_from', '<=', end), '|', ('date_to', '=', False),
                ('date_to', '>=', start)])
            seconds = sum((min(gap.date_to or end, end) - max(gap.date_from, start))
                          .total_seconds() for gap in gaps if gap.date_from)
            rows.append({'parameter': tag.name,
                         'equipment': tag.equipment_id.name, 'count': count,
                         'min': round(low, 6), 'max': round(high, 6), 'mean': round(mean, 6),
                         'limits': [tag.lower_limit, tag.upper_limit] if tag.has_limits else None,
                         'excursions': excursions, 'gaps': len(gaps),
                         'gap_seconds': round(seconds)})
        return rows


class MaintenanceEquipment(models.Model):
    _inherit = 'maintenance.equipment'

    def _mes_status_problems_at(self, on_date):
        """Why this equipment was not fit for use on ``on_date``, from the qualification and
        calibration records dated up to then (empty when it was)."""
        self.ensure_one()
        problems = []
        if self._mes_qualification_required():
            for stage in ('iq', 'oq', 'pq'):
                last = self.mes_qualification_ids.filtered(
                    lambda q: q.stage == stage and q.date <= on_date).sorted(
                    lambda q: (q.date, q.id))[-1:]
                if not last or last.result != 'pass' or (
                        last.valid_until and last.valid_until < on_date):
                    problems.append(_('%(stage)s not valid on %(date)s', stage=stage.upper(),
                                      date=on_date))
        if self._mes_calibration_required():
            last = self.mes_calibration_ids.filtered(lambda c: c.date <= on_date).sorted(
                lambda c: (c.date, c.id))[-1:]
            if not last:
                problems.append(_('not calibrated on %(date)s', date=on_date))
            elif last.result == 'fail':
                problems.append(_('failed calibration of %(date)s', date=last.date))
            elif last.date_due < on_date:
                problems.append(_('calibration overdue since %(date)s', date=last.date_due))
            # found out of tolerance at the next calibration: what it measured since is suspect
            following = self.mes_calibration_ids.filtered(lambda c: c.date > on_date).sorted(
                lambda c: (c.date, c.id))[:1]
            if following.result == 'fail':
                problems.append(_('found out of tolerance at its next calibration on %(date)s',
                                  date=following.date))
        return problems
