import time
from urllib.parse import quote

import werkzeug.exceptions

from odoo import _, models
from odoo.exceptions import AccessDenied
from odoo.http import SessionExpiredException, request, root

# how often a busy session's last activity is written back (every request would rewrite
# the session file for nothing)
ACTIVITY_RESOLUTION = 15
# how often the web client reports input and asks (ir.config_parameter
# mes_part11.idle_poll_seconds)
POLL_SECONDS = 30
# what a user who must change their password may still reach
PASSWORD_CHANGE_PATH = '/mes/password'


class IrHttp(models.AbstractModel):
    _inherit = 'ir.http'

    @classmethod
    def _authenticate(cls, endpoint):
        result = super()._authenticate(endpoint)
        session = request.session
        # back-office sessions only: API keys (JSON-2, B2MML) have no idle time, the kiosk
        # (public routes, paired devices) signs its operators out itself
        if endpoint.routing.get('auth') in ('user', 'bearer') and session.uid \
                and request.env.uid == session.uid \
                and not request.httprequest.headers.get('Authorization'):
            cls._mes_session_rules(endpoint.routing)
        return result

    @classmethod
    def _mes_session_rules(cls, routing):
        """The back office's session rules, for a request of the signed-in session user
        (also called by the web client's page, whose route has no user)."""
        cls._mes_check_idle(routing)
        cls._mes_check_password_change(routing)

    @classmethod
    def _mes_check_idle(cls, routing):
        """Annex 11 section 12 / Part 11.10(d): an unattended back-office session ends after
        the company's idle time. The server is the judge: the web client only reports input
        (``/mes/session/idle``) and asks, so a closed laptop lid or a stopped script expires
        all the same."""
        session = request.session
        user = request.env.user
        minutes = user.sudo().company_id.mes_idle_sign_out_minutes
        now = time.time()
        last = session.get('mes_last_activity')
        if minutes and last and now - last > minutes * 60:
            # the request is refused and rolled back: the entry has a transaction of its own
            request.env['mes.access.log']._mes_record_apart('logout_idle', user.login, request,
                                                            user_id=user.id)
            session.logout(keep_db=True)
            # the signed-out session is replaced on disk now: an error response (JSON-RPC)
            # does not save the session, and the old one must not answer again
            root.session_store.rotate(session, request.env)
            raise SessionExpiredException('Session expired')
        # the idle poll asks without counting as activity (it says itself when there was input)
        if not routing.get('mes_idle_poll') and \
                (not last or now - last >= ACTIVITY_RESOLUTION):
            session['mes_last_activity'] = now

    @classmethod
    def _mes_check_password_change(cls, routing):
        if routing.get('mes_password_change') or \
                not request.env.user.mes_password_change_required:
            return
        if routing.get('type') == 'http':
            target = request.httprequest.full_path.rstrip('?') \
                if request.httprequest.method == 'GET' else '/odoo'
            werkzeug.exceptions.abort(request.redirect(
                '%s?redirect=%s' % (PASSWORD_CHANGE_PATH, quote(target, safe=''))))
        raise AccessDenied(_('Your password was set by an administrator: choose a new one '
                             'before you continue (sign in again to be asked).'))

    def session_info(self):
        info = super().session_info()
        if request and request.session.uid and self.env.user._is_internal():
            # the web client polls for sign-out when this is set (idle_sign_out service)
            info['mes_idle_sign_out_minutes'] = \
                self.env.user.sudo().company_id.mes_idle_sign_out_minutes
            info['mes_idle_poll_seconds'] = int(self.env['ir.config_parameter'].sudo().get_param(
                'mes_part11.idle_poll_seconds', POLL_SECONDS) or POLL_SECONDS)
            # which fields' changes need a reason: the form asks when the user saves
            info['mes_change_reason_fields'] = \
                self.env['mes.change.reason.rule']._mes_client_rules()
        return info

    @classmethod
    def _mes_touch_activity(cls):
        if request and request.session:
            request.session['mes_last_activity'] = time.time()
