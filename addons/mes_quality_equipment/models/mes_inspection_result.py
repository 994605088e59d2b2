from odoo import _, api, models


class MesInspectionResult(models.Model):
    _inherit = 'mes.inspection.result'

    @api.model
    def _mes_gauge_refusal(self, line, code):
        """The gauge must be registered equipment of the characteristic's class and usable
        today (qualification and calibration), as equipment steps check it."""
        refusal = super()._mes_gauge_refusal(line, code)
        if refusal:
            return refusal
        company = line.inspection_id.company_id
        gauge = self.env['maintenance.equipment']._mes_find(code, company)
        if not gauge:
            return ('equipment_mismatch', _('Gauge "%(code)s" is not registered equipment.',
                                            code=code))
        wanted = line.characteristic_id.gauge_class_id
        if wanted and gauge.mes_equipment_class_id != wanted:
            return ('equipment_mismatch', _(
                'Gauge %(gauge)s is %(cls)s; %(char)s must be measured with %(wanted)s.',
                gauge=gauge.name, cls=gauge.mes_equipment_class_id.name or _('unclassified'),
                char=line.name, wanted=wanted.name))
        reasons = gauge._mes_unusable_reasons()
        if reasons:
            return ('equipment_unusable', _('Gauge %(gauge)s may not be used: %(why)s',
                                            gauge=gauge.name, why=' '.join(reasons)))
        return False
