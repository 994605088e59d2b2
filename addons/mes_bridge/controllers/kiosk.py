"""The shop-floor kiosk: a paired tablet (device token in an HttpOnly cookie) on which
operators sign in with badge or login plus PIN. Every action runs as the operator's own user,
through the same model methods JSON-2 calls, with the device in the context."""
from datetime import timedelta

from werkzeug.exceptions import Forbidden, NotFound

from odoo import _, fields, http
from odoo.exceptions import AccessDenied, AccessError
from odoo.http import request
from odoo.tools import file_open

DEVICE_COOKIE = 'mes_kiosk_device'
# a paired tablet keeps its cookie for a year; revocation ends it at once, server-side
DEVICE_COOKIE_AGE = 365 * 24 * 3600
MAX_REPLAY_ITEMS = 500
# results queued offline are taken from sessions signed in until this long ago
REPLAY_WINDOW = timedelta(hours=24)


class MesKiosk(http.Controller):

    # -- pages -----------------------------------------------------------------------------
    @http.route('/mes/kiosk', type='http', auth='public', methods=['GET'], sitemap=False)
    def kiosk(self, **kw):
        device = self._device()
        if not device:
            return request.render('mes_bridge.kiosk_pairing_page', {
                'error': None, 'code': '', 'csrf': request.csrf_token()})
        lang = kw.get('lang') if kw.get('lang') in dict(
            request.env['res.lang'].sudo().get_installed()) else None
        lang = lang or request.env.context.get('lang') or 'en_US'
        session_info = request.env['ir.http'].get_frontend_session_info()
        session_info.update(
            # every module's terms (the kiosk's are mes_bridge's, quality's...)
            translationURL='/web/webclient/translations',
            # the kiosk's language, for its terms and formats (?lang=zh_CN)
            user_context=dict(session_info.get('user_context') or {}, lang=lang))
        return request.render('mes_bridge.kiosk_page', {
            'device_name': device.name, 'lang': lang, 'session_info': session_info})

    @http.route('/mes/kiosk/pair', type='http', auth='public', methods=['GET', 'POST'],
                sitemap=False)
    def pair(self, code=None, **kw):
        """GET shows the pairing form (code filled in from the administrator's link); POST
        pairs: a GET never does, so a link preview cannot use up the code."""
        if request.httprequest.method == 'GET':
            return request.render('mes_bridge.kiosk_pairing_page', {
                'error': None, 'code': code or '', 'csrf': request.csrf_token()})
        try:
            _device, token = request.env['mes.kiosk.device'].sudo()._mes_pair(code)
        except AccessError as error:
            return request.render('mes_bridge.kiosk_pairing_page', {
                'error': error.args[0], 'code': '', 'csrf': request.csrf_token()})
        response = request.redirect('/mes/kiosk')
        response.set_cookie(DEVICE_COOKIE, token, max_age=DEVICE_COOKIE_AGE, httponly=True,
                            samesite='Strict', secure=request.httprequest.scheme == 'https',
                            # '/': the bus websocket reads it too (live unblock, revocation)
                            path='/')
        return response

    @http.route('/mes/kiosk/service-worker.js', type='http', auth='public', methods=['GET'],
                readonly=True, sitemap=False)
    def service_worker(self):
        with file_open('mes_bridge/static/src/kiosk_service_worker/service_worker.js') as f:
            body = f.read()
        return request.make_response(body, [
            ('Content-Type', 'text/javascript'), ('Service-Worker-Allowed', '/mes/kiosk'),
            ('Cache-Control', 'no-cache')])

    @http.route('/mes/kiosk/document/<int:step_id>', type='http', auth='public',
                methods=['GET'], sitemap=False)
    def document(self, step_id, **kw):
        """A step's instruction document (PDF), for a paired tablet of the step's work
        center. The kiosk fetches it when it opens the work order, so that its service worker
        keeps it for offline use."""
        device = self._device()
        if not device:
            raise Forbidden()
        step = request.env['mes.step.execution'].sudo().browse(step_id).exists()
        if not step or not step.instruction_pdf_sha256 \
                or step.workorder_id.workcenter_id not in device.workcenter_ids:
            raise NotFound()
        stream = request.env['ir.binary']._get_stream_from(
            step, 'instruction_pdf', filename=step.instruction_pdf_name or 'instruction.pdf',
            mimetype='application/pdf')
        # revalidated on each fetch online (a revoked tablet gets nothing more)
        stream.max_age = 0
        response = stream.get_response(as_attachment=False)
        response.headers['Cache-Control'] = 'private, no-cache'
        return response

    # -- the kiosk's calls -----------------------------------------------------------------
    def _device(self):
        device = request.env['mes.kiosk.device'].sudo()._mes_from_token(
            request.httprequest.cookies.get(DEVICE_COOKIE))
        if device and (not device.last_seen
                       or device.last_seen < fields.Datetime.now() - timedelta(minutes=1)):
            device.last_seen = fields.Datetime.now()
        if device and not request.session.get('mes_kiosk'):
            # keep the tablet's (public, anonymous) session with its database: without it,
            # every call of a kiosk on a multi-database server lists the databases, a new
            # PostgreSQL connection each time
            request.session['mes_kiosk'] = True
        return device

    def _refused(self, code, message):
        return {'error': {'code': code, 'message': message}}

    def _context(self):
        """(device, None) or (None, error answer)."""
        device = self._device()
        if not device:
            return None, self._refused('device', _(
                'This tablet is not paired with the kiosk, or it was revoked. Ask an MES '
                'administrator.'))
        return device, None

    def _session(self, device, token):
        session, reason = request.env['mes.kiosk.session'].sudo()._mes_from_token(device, token)
        return session, (self._refused('session', reason) if not session else None)

    def _operator(self, token):
        """(device, session, None) for a call in an operator's name, or the refusal as
        third item."""
        device, refused = self._context()
        if refused:
            return None, None, refused
        session, refused = self._session(device, token)
        return device, session, refused

    def _operator_env(self, device, session):
        return request.env(user=session.user_id.id, su=False, context=dict(
            request.env.context, allowed_company_ids=device.company_id.ids))

    @http.route('/mes/kiosk/api/device', type='jsonrpc', auth='public', methods=['POST'])
    def api_device(self, **kw):
        device, refused = self._context()
        if refused:
            return refused
        return {'id': device.id, 'name': device.name, 'company': device.company_id.name,
                'idle_minutes': device.company_id.mes_kiosk_idle_minutes,
                'workcenters': [{'id': wc.id, 'name': wc.name} for wc in device.workcenter_ids],
                'channel': device._mes_bus_channel()}

    @http.route('/mes/kiosk/api/sign_in', type='jsonrpc', auth='public', methods=['POST'])
    def api_sign_in(self, identifier=None, pin=None, **kw):
        device, refused = self._context()
        if refused:
            return refused
        try:
            session, token = request.env['mes.kiosk.session'].sudo()._mes_sign_in(
                device, identifier, pin)
        except AccessDenied as error:
            return self._refused('sign_in', error.args[0])
        return {'session_id': session.id, 'token': token,
                'operator': {'id': session.user_id.id, 'name': session.user_id.name,
                             'lang': session.user_id.lang}}

    @http.route('/mes/kiosk/api/sign_out', type='jsonrpc', auth='public', methods=['POST'])
    def api_sign_out(self, token=None, **kw):
        device, refused = self._context()
        if refused:
            return refused
        session, _refused = self._session(device, token)
        if session:
            session._mes_end('signed_out')
        return {'signed_out': True}

    @http.route('/mes/kiosk/api/queue', type='jsonrpc', auth='public', methods=['POST'])
    def api_queue(self, token=None, **kw):
        device, session, refused = self._operator(token)
        if refused:
            return refused
        env = self._operator_env(device, session)
        domain = [('workcenter_id', 'in', device.workcenter_ids.ids),
                  ('state', 'in', ('blocked', 'ready', 'progress')),
                  ('production_id.state', 'not in', ('draft', 'cancel', 'done'))]
        if device.company_id.mes_release_required:
            # orders not released to the shop floor cannot start: not the operator's yet
            domain.append(('production_id.mes_release_date', '!=', False))
        workorders = env['mrp.workorder'].search(domain, order='date_start, id', limit=500)
        cards = workorders._mes_kiosk_cards()
        # in progress first, then the most urgent, then by due time
        rank = {'progress': 0, 'ready': 1, 'blocked': 2}
        cards.sort(key=lambda c: (rank.get(c['state'], 3), -int(c['priority'] or 0),
                                  c['due'] or '9999'))
        return {'workorders': cards}

    @http.route('/mes/kiosk/api/workorder', type='jsonrpc', auth='public', methods=['POST'])
    def api_workorder(self, token=None, workorder_id=None, **kw):
        device, session, refused = self._operator(token)
        if refused:
            return refused
        env = self._operator_env(device, session)
        workorder = env['mrp.workorder'].browse(int(workorder_id or 0)).exists()
        if not workorder or workorder.workcenter_id not in device.workcenter_ids:
            return self._refused('access', _('This kiosk does not run that work order.'))
        data = workorder._mes_kiosk_detail()
        data['losses'] = [{'id': loss.id, 'name': loss.name} for loss in env[
            'mrp.workcenter.productivity.loss'].search([('loss_type', '!=', 'productive')])]
        return data

    @http.route('/mes/kiosk/api/act', type='jsonrpc', auth='public', methods=['POST'])
    def api_act(self, token=None, item=None, **kw):
        device, session, refused = self._operator(token)
        if refused:
            return refused
        return request.env['mes.kiosk.result'].sudo()._mes_apply(device, session, item or {})

    @http.route('/mes/kiosk/api/replay', type='jsonrpc', auth='public', methods=['POST'])
    def api_replay(self, items=None, **kw):
        """The results a kiosk queued while offline, in the order they were recorded. Each
        names the operator session it was recorded in: that session must have been signed in
        on this device at the time (it may have ended since)."""
        device, refused = self._context()
        if refused:
            return refused
        items = list(items or [])[:MAX_REPLAY_ITEMS]
        Session = request.env['mes.kiosk.session'].sudo()
        Result = request.env['mes.kiosk.result'].sudo()
        answers = []
        for item in sorted(items, key=lambda i: int(i.get('sequence') or 0)):
            session = Session.browse(int(item.get('session_id') or 0)).exists()
            if not session or session.device_id != device or (
                    session.state == 'ended'
                    and session.ended < fields.Datetime.now() - REPLAY_WINDOW):
                answers.append({'client_id': item.get('client_id'), 'accepted': False,
                                'message': _('This result names no operator of this tablet.')})
                continue
            answer = Result._mes_apply(device, session, item, offline=True)
            answers.append(dict(answer, client_id=item.get('client_id')))
        return {'results': answers}
