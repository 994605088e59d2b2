import json

from odoo import _, http
from odoo.http import request

from ..lib import b2mml


class B2mmlController(http.Controller):
    """ISA-95 B2MML v7 messages from a planning system: ``POST /mes/b2mml`` with an Odoo API
    key as bearer token (as JSON-2), the message as the body (application/xml). The answer is
    B2MML (AcknowledgeOperationsSchedule, ShowMaterialLot) or, for a message we cannot read,
    a JSON error with the line and path."""

    @http.route('/mes/b2mml', type='http', auth='bearer', methods=['POST'], csrf=False,
                save_session=False)
    def mes_b2mml(self, **_kwargs):
        httprequest = request.httprequest
        if httprequest.mimetype not in ('application/xml', 'text/xml'):
            return self._error(415, 'content_type', _(
                'Send the B2MML message as application/xml.'))
        if (httprequest.content_length or 0) > b2mml.MAX_BYTES:
            return self._error(413, 'too_large', _(
                'The message is larger than %(limit)s bytes.', limit=b2mml.MAX_BYTES))
        data = httprequest.get_data(cache=True)
        status, content_type, body = request.env['mes.b2mml.message']._mes_receive(data)
        return request.make_response(body, status=status, headers=[
            ('Content-Type', '%s; charset=utf-8' % content_type)])

    def _error(self, status, code, message):
        return request.make_response(
            json.dumps({'error': {'code': code, 'message': message}}, ensure_ascii=False),
            status=status, headers=[('Content-Type', 'application/json; charset=utf-8')])
