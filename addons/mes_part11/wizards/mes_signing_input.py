from odoo import fields, models


class MesSigningInput(models.AbstractModel):
    """Login and password typed into a signing dialog (Part 11.200 re-authentication).

    Never stored: like Odoo's own identity check, the dialog's button hands them over in its
    context (``mes_login`` / ``mes_password``); they are checked and discarded within the
    same request, so no table, log or other user ever sees them."""
    _name = 'mes.signing.input'
    _description = 'Signing dialog credentials'

    login = fields.Char(store=False)
    password = fields.Char(store=False)

    def _mes_credentials(self):
        """(login, password) of this request: the button's context, else the values set on
        the record in this same transaction (Python callers)."""
        context = self.env.context
        return (context.get('mes_login') or self.login or '',
                context.get('mes_password') or self.password or '')
