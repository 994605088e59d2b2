from odoo import api, models


class MesIntegrationCatalogue(models.AbstractModel):
    _inherit = 'mes.integration.catalogue'

    @api.model
    def _mes_extended_models(self):
        return super()._mes_extended_models() + ['stock.picking']

    @api.model
    def _mes_json2_methods(self):
        return super()._mes_json2_methods() + [
            ('mes.inspection', 'mes_record_results', 'Inspections'),
            ('mes.inspection', 'mes_decide', 'Inspections'),
            ('mes.inspection.characteristic', 'mes_spc_chart', 'Inspections'),
            ('mes.production.record', 'mes_release', 'Releasing'),
            ('mes.production.record', 'mes_reject', 'Releasing'),
            ('mes.production.record', 'mes_render_pdf', 'Certificates'),
            ('stock.lot', 'mes_issue_certificate', 'Certificates'),
            ('stock.lot', 'mes_certificate_pdf', 'Certificates'),
            ('stock.lot', 'mes_udi_label_pdf', 'Certificates'),
            ('stock.picking', 'mes_certificate_pdf', 'Certificates'),
        ]
