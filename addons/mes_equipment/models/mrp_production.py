from odoo import fields, models


class MrpProduction(models.Model):
    _inherit = 'mrp.production'

    mes_process_summary_ids = fields.One2many('mes.process.summary', 'production_id',
                                              string='Process Data')

    def _mes_process_windows(self):
        """{equipment: [(start, stop)]}: when each piece of equipment worked for the order.
        Equipment of a work center its work orders ran on: the time records of those work
        orders there; equipment scanned at its steps (a mould, a fixture): the order's span."""
        self.ensure_one()
        end = self.date_finished or fields.Datetime.now()
        span = [(self.date_start or self.create_date, end)]
        windows = {}
        Equipment = self.env['maintenance.equipment'].sudo()
        for workorder in self.workorder_ids:
            logs = workorder.time_ids.filtered('date_start')
            for equipment in Equipment.search([
                    ('mes_workcenter_id', '=', workorder.workcenter_id.id)]):
                windows.setdefault(equipment, []).extend(
                    [(log.date_start, log.date_end or end) for log in logs] or span)
        steps = self.env['mes.step.execution'].sudo().search([
            ('production_id', '=', self.id), ('step_type', '=', 'equipment'),
            ('equipment_code', '!=', False)])
        for code in set(steps.mapped('equipment_code')):
            equipment = Equipment._mes_find(code, self.company_id)
            if equipment and equipment not in windows:
                windows[equipment] = list(span)
        return {equipment: _merged(spans) for equipment, spans in windows.items()}


def _merged(spans):
    """Overlapping or touching time spans joined, in order."""
    result = []
    for start, stop in sorted(spans):
        if result and start <= result[-1][1]:
            result[-1] = (result[-1][0], max(result[-1][1], stop))
        else:
            result.append((start, stop))
    return result
