from odoo import api, models


class MesIntegrationCatalogue(models.AbstractModel):
    _inherit = 'mes.integration.catalogue'

    @api.model
    def _mes_extended_models(self):
        return super()._mes_extended_models() + ['maintenance.equipment', 'mrp.workcenter']

    @api.model
    def _mes_json2_methods(self):
        return super()._mes_json2_methods() + [
            ('maintenance.equipment', 'mes_oee', 'Equipment'),
            ('mes.process.value', 'mes_trend', 'Equipment'),
        ]
