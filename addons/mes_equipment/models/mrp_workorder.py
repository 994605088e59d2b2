from odoo import _, models


class MrpWorkorder(models.Model):
    _inherit = 'mrp.workorder'

    def _mes_unusable_equipment(self):
        """(equipment, reasons) of the first unusable equipment serving this work center."""
        self.ensure_one()
        equipment = self.env['maintenance.equipment'].sudo().search([
            ('mes_workcenter_id', '=', self.workcenter_id.id)])
        for item in equipment:
            reasons = item._mes_unusable_reasons()
            if reasons:
                return item, reasons
        return None, []

    def button_start(self, raise_on_invalid_state=False):
        """Unusable equipment refuses the start: the refusal is an exception that stays
        (returned, not raised, so that it is not rolled back with the start)."""
        for workorder in self.filtered(lambda wo: wo.state not in ('progress', 'done', 'cancel')):
            equipment, reasons = workorder._mes_unusable_equipment()
            if equipment:
                message = _('%(wo)s cannot start: %(why)s', wo=workorder.display_name,
                            why=' '.join(reasons))
                exception = self.env['mes.exception'].sudo().create({
                    'source': 'equipment', 'kind': 'equipment_unusable', 'severity': 'major',
                    'description': message, 'workorder_id': workorder.id,
                    'production_id': workorder.production_id.id,
                    'company_id': workorder.company_id.id,
                    'scanned_code': equipment.mes_code or equipment.name,
                })
                return {
                    'type': 'ir.actions.client',
                    'tag': 'display_notification',
                    'params': {'title': _('Equipment not usable'), 'message': message,
                               'type': 'danger', 'sticky': True,
                               'mes_exception_id': exception.id},
                }
        return super().button_start(raise_on_invalid_state=raise_on_invalid_state)
