from odoo import http
from odoo.http import request


class MesIntegrationController(http.Controller):

    @http.route('/mes/openapi.json', type='http', auth='public', methods=['GET'],
                readonly=True, sitemap=False)
    def mes_openapi(self):
        """The OpenAPI 3.1 description of the MES HTTP endpoints and JSON-2 methods.

        Generated from the code of the installed addons."""
        document = request.env['mes.integration.catalogue'].sudo()._mes_openapi(
            request.httprequest.host_url.rstrip('/'))
        return request.make_json_response(document)

    @http.route('/mes/data-dictionary.json', type='http', auth='bearer', methods=['GET'],
                readonly=True, save_session=False)
    def mes_data_dictionary_json(self):
        """The data dictionary of the MES records, as JSON.

        Every model and field (type, unit, meaning, the B2MML v7 element it maps to),
        generated from the code of the installed addons."""
        return request.make_json_response(
            request.env['mes.integration.catalogue']._mes_data_dictionary())

    @http.route('/mes/data-dictionary', type='http', auth='user', methods=['GET'],
                readonly=True, sitemap=False)
    def mes_data_dictionary(self):
        """The data dictionary of the MES records, as a page of the MES menu."""
        return request.render('mes_bridge.data_dictionary_page', {
            'dictionary': request.env['mes.integration.catalogue']._mes_data_dictionary()})
