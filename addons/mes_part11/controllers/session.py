from odoo import SUPERUSER_ID, api, http
from odoo.addons.web.controllers.session import Session
from odoo.http import request
from odoo.modules.registry import Registry


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
