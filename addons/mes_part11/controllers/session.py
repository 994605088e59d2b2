from odoo import SUPERUSER_ID, _, api, http
from odoo.addons.web.controllers.home import Home
from odoo.addons.web.controllers.session import Session
from odoo.exceptions import AccessDenied, UserError
from odoo.http import request
from odoo.modules.registry import Registry
from odoo.service import security

from ..models.ir_http import PASSWORD_CHANGE_PATH


class MesSession(Session):
    """Sign-outs go to the sign-in log. The route runs without a user and on a read-only
    cursor: the user is read from the session before it is cleared, and the entry is written
    in a transaction of its own."""

    @http.route()
    def logout(self, redirect='/odoo'):
        uid, db = request.session.uid, request.session.db
        if uid and db:
            registry = Registry(db)
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                if 'mes.access.log' in env:
                    user = env['res.users'].browse(uid).exists()
                    env['mes.access.log']._mes_record('logout', user.login, user.id, request)
        return super().logout(redirect=redirect)


class MesHome(Home):
    """The web client's page has no user in its route (auth='none'): the session rules of
    ir.http are applied here before it renders."""

    @http.route()
    def web_client(self, s_action=None, **kw):
        uid = request.session.uid
        if uid and request.db and security.check_session(request.session, request.env, request):
            request.update_env(user=uid)
            request.env['ir.http']._mes_session_rules({'type': 'http'})
        return super().web_client(s_action=s_action, **kw)


class MesIdleSignOut(http.Controller):

    @http.route('/mes/session/idle', type='jsonrpc', auth='user', mes_idle_poll=True)
    def mes_idle(self, active=False):
        """The web client's poll: ``active`` when there was input since the last one. A
        session past its idle time never gets here (ir.http signs it out first)."""
        if active:
            request.env['ir.http']._mes_touch_activity()
        minutes = request.env.user.sudo().company_id.mes_idle_sign_out_minutes
        return {'idle_minutes': minutes}


class MesPasswordChange(http.Controller):
    """The page a user whose password someone else set is sent to after signing in: until
    they choose their own, nothing else of the back office answers (ir.http)."""

    @http.route(PASSWORD_CHANGE_PATH, type='http', auth='user', methods=['GET', 'POST'],
                sitemap=False, mes_password_change=True)
    def mes_password_change(self, redirect=None, **post):
        user = request.env.user
        target = redirect if redirect and redirect.startswith('/') and \
            not redirect.startswith('//') else '/odoo'
        if not user.mes_password_change_required:
            return request.redirect(target)
        values = {'redirect': target, 'error': None, 'login': user.login}
        if request.httprequest.method == 'POST':
            old, new = post.get('old_password') or '', post.get('new_password') or ''
            if not old or not new:
                values['error'] = _('Enter your current password and a new one.')
            elif new != (post.get('confirm_password') or ''):
                values['error'] = _('The new password and its confirmation differ.')
            elif new == old:
                values['error'] = _('Choose a password different from the one you were given.')
            else:
                try:
                    # Odoo's own change: checks the current password (a failure counts
                    # towards the signing lockout) and the password policy
                    request.env['res.users'].change_password(old, new)
                except AccessDenied:
                    values['error'] = _('The current password is wrong.')
                except UserError as error:
                    values['error'] = error.args[0]
                else:
                    # the session's token follows the password: renew it, not sign out
                    request.env.flush_all()
                    request.env.registry.clear_cache()
                    request.session.session_token = user._compute_session_token(
                        request.session.sid)
                    return request.redirect(target)
        return request.render('mes_part11.password_change', values)
