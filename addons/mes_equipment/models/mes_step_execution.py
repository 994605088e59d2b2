from odoo import _, models


class MesStepExecution(models.Model):
    _inherit = 'mes.step.execution'

    def _mes_equipment_unusable(self, code):
        refusal = super()._mes_equipment_unusable(code)
        if refusal:
            return refusal
        equipment = self.env['maintenance.equipment']._mes_find(code, self.company_id)
        if not equipment:
            # not registered in Maintenance: checked by its code only (mes_bridge's rule)
            return False
        reasons = equipment._mes_unusable_reasons()
        if reasons:
            return ('equipment_unusable', _('Equipment %(equipment)s may not be used: %(why)s',
                                            equipment=equipment.name, why=' '.join(reasons)))
        return False

    def _mes_kiosk_unusable_equipment(self):
        """The equipment of this step's work center (and the one it names) that may not be
        used now, with why: the kiosk refuses it while offline too."""
        unusable = super()._mes_kiosk_unusable_equipment()
        domain = [('mes_code', '!=', False), ('company_id', 'in', [self.company_id.id, False]),
                  '|', ('mes_workcenter_id', '=', self.workorder_id.workcenter_id.id),
                  ('mes_code', '=ilike', (self.expected_equipment or '').strip() or '-')]
        for equipment in self.env['maintenance.equipment'].sudo().search(domain, limit=200):
            reasons = equipment._mes_unusable_reasons()
            if reasons:
                unusable[equipment.mes_code.strip().lower()] = _(
                    'Equipment %(equipment)s may not be used: %(why)s',
                    equipment=equipment.name, why=' '.join(reasons))
        return unusable
