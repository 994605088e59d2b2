import logging

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

ACCESS_EVENTS = [
    ('login', 'Signed in'),
    ('login_failed', 'Failed sign-in'),
    ('logout', 'Signed out'),
    ('logout_idle', 'Signed out after inactivity'),
]


class MesAccessLog(models.Model):
    """Sign-ins, failed sign-ins and sign-outs of the back office (Annex 11 2025 draft section
    11, Part 11.300(d)): searchable, kept, written by the system only. A failed sign-in is
    written in a transaction of its own (the refusal rolls the request back)."""
    _name = 'mes.access.log'
    _description = 'Sign-in Log'
    _order = 'event_time desc, id desc'
    _rec_name = 'login'
    _log_access = False

    event = fields.Selection(ACCESS_EVENTS, required=True, readonly=True, index=True)
    login = fields.Char(string='Login Entered', readonly=True, index=True)
    user_id = fields.Many2one('res.users', readonly=True, index=True, ondelete='set null')
    event_time = fields.Datetime(string='Time (UTC)', required=True, readonly=True,
                                 default=fields.Datetime.now, index=True)
    ip_address = fields.Char(string='IP Address', readonly=True)
    user_agent = fields.Char(string='Browser / Client', readonly=True)
    company_id = fields.Many2one('res.company', readonly=True, index=True)

    @api.model_create_multi
    def create(self, vals_list):
        if not (self.env.su and self.env.context.get('mes_access_logging')):
            raise UserError(_('The sign-in log is written by the system only.'))
        return super().create(vals_list)

    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(_('The sign-in log cannot be changed.'))

    def unlink(self):
        if self:
            raise UserError(_('The sign-in log cannot be deleted.'))
        return super().unlink()

    @api.model
    def _mes_values(self, event, login, user_id, http_request):
        ip = agent = None
        if http_request:
            environ = http_request.httprequest.environ
            ip = environ.get('REMOTE_ADDR')
            agent = (environ.get('HTTP_USER_AGENT') or '')[:250] or None
        user = self.env['res.users'].sudo().browse(user_id).exists() if user_id else None
        return {'event': event, 'login': (login or '')[:250] or None,
                'user_id': user.id if user else False,
                'company_id': user.company_id.id if user else False,
                'ip_address': ip, 'user_agent': agent}

    @api.model
    def _mes_record(self, event, login, user_id, http_request):
        """Record in this transaction (a sign-in or sign-out that commits with it)."""
        return self.sudo().with_context(mes_access_logging=True).create(
            self._mes_values(event, login, user_id, http_request))

    @api.model
    def _mes_record_apart(self, event, login, http_request, user_id=None):
        """Record in a transaction of its own (a refused sign-in, or an expired session,
        rolls its request back)."""
        values = self._mes_values(event, login, user_id, http_request)
        try:
            with self.env.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {'mes_access_logging': True})
                user = env['res.users'].with_context(active_test=False).search(
                    [('login', '=', login)], limit=1) if login and not user_id else None
                if user:
                    values.update(user_id=user.id, company_id=user.company_id.id)
                env['mes.access.log'].create(values)
        except Exception:  # noqa: BLE001 - logging must never turn a refusal into a crash
            _logger.exception('Could not log a failed sign-in of %s', login)
