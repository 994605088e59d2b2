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
