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
        """Unusable equipment refuses the start with a clear error; the refusal is recorded
        as an exception in its own transaction, so it stays when the error rolls the start
        back (a returned notification would be ignored by Odoo's own callers, leaving the
        work order silently unstarted)."""
        for workorder in self.filtered(lambda wo: wo.state not in ('progress', 'done', 'cancel')):
            equipment, reasons = workorder._mes_unusable_equipment()
            if equipment:
                message = _('%(wo)s cannot start: %(why)s', wo=workorder.display_name,
                            why=' '.join(reasons))
                self.env['mes.exception']._mes_raise_refusal(
                    workorder, 'equipment_unusable', message, source='equipment',
                    scanned_code=equipment.mes_code or equipment.name)
        return super().button_start(raise_on_invalid_state=raise_on_invalid_state)
