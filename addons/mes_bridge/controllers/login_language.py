from odoo import http
from odoo.addons.web.controllers.home import Home
from odoo.addons.web.controllers.utils import ensure_db
from odoo.http import request


class MesLoginLanguage(Home):
    """The login page offers the database's languages: a shop-floor tablet shared by
    operators of several languages is switched before anyone signs in (the user's own
    language applies once they are logged in)."""

    @http.route()
    def web_login(self, redirect=None, **kw):
        ensure_db()
        code = kw.get('lang')
        if code and request.db:
            installed = dict(request.env['res.lang'].sudo().get_installed())
            if code in installed:
                # reassigned, not mutated, so that the session is saved
                request.session.context = dict(request.session.context, lang=code)
                request.update_context(lang=code)
        return super().web_login(redirect=redirect, **kw)
