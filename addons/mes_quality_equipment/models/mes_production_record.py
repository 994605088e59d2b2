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
        """Per process parameter of the equipment that worked for the order, over the time it
        did (``mes.process.summary``, refreshed now): min / max / mean, values outside the
        limits as excursions with their durations, and the collector's data gaps."""
        rows = super()._mes_record_process_data(production)
        Summary = self.env['mes.process.summary'].sudo()
        Summary._mes_refresh(production)
        for summary in Summary.search([('production_id', '=', production.id)],
                                      order='equipment_id, tag_id'):
            rows.append({
                'parameter': summary.tag_id.name, 'equipment': summary.equipment_id.name,
                'count': summary.value_count, 'min': round(summary.value_min, 6),
                'max': round(summary.value_max, 6), 'mean': round(summary.value_mean, 6),
                'limits': [summary.lower_limit, summary.upper_limit]
                if summary.has_limits else None,
                'excursions': summary.excursion_count,
                'excursion_list': summary.excursions or [],
                'out_of_limit_seconds': round(summary.out_of_limit_seconds, 3),
                'gaps': summary.gap_count, 'gap_seconds': round(summary.gap_seconds)})
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
