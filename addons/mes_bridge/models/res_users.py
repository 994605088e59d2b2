from odoo import _, api, models
from odoo.exceptions import AccessDenied, UserError


class ResUsers(models.Model):
    _inherit = 'res.users'

    @api.model
    def _mes_reauthenticate(self, login, password):
        """Check that the current user re-entered *both* their login and password.

        Used for every electronic signature: Odoo's identity-check cache is
        deliberately not reused, each signing act authenticates again.
        """
        user = self.env.user
        if not login or not password:
            raise UserError(_('Enter your login and password to sign.'))
        if login.strip().lower() != (user.login or '').lower():
            raise UserError(_('You can only sign as yourself: the login entered is not yours.'))
        try:
            self.with_user(user)._check_credentials(
                {'type': 'password', 'login': user.login, 'password': password},
                {'interactive': True})
        except AccessDenied:
            raise UserError(_('The password is wrong: nothing was signed.')) from None
        return user
