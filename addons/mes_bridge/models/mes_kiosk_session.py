import secrets
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessDenied, AccessError
from odoo.tools.sql import escape_psql

from .mes_kiosk_device import token_digest

ACTIVITY_RESOLUTION = timedelta(seconds=30)

SESSION_END_REASONS = [
    ('signed_out', 'Signed out'),
    ('idle', 'Idle'),
    ('revoked', 'Device revoked'),
    ('locked', 'PIN locked'),
]


class MesKioskSession(models.Model):
    """An operator signed in at a kiosk device (badge or login plus PIN). Several may be
    signed in at one device at once; every call on the kiosk names its operator's session and
    runs as that operator's own user."""
    _name = 'mes.kiosk.session'
    _description = 'Kiosk Operator Session'
    _order = 'started desc, id desc'

    device_id = fields.Many2one('mes.kiosk.device', required=True, readonly=True, index=True,
                                ondelete='restrict')
    company_id = fields.Many2one(related='device_id.company_id', store=True, index=True)
    user_id = fields.Many2one('res.users', string='Operator', required=True, readonly=True,
                              index=True, ondelete='restrict')
    token_digest = fields.Char(readonly=True, index=True, groups='base.group_system')
    state = fields.Selection([('active', 'Signed in'), ('ended', 'Ended')], default='active',
                             required=True, readonly=True, index=True)
    started = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    last_activity = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    ended = fields.Datetime(readonly=True)
    end_reason = fields.Selection(SESSION_END_REASONS, readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise AccessError(_('Operators sign in on the kiosk with their badge and PIN.'))
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            raise AccessError(_('Kiosk sessions are kept by the kiosk.'))
        return super().write(vals)

    def unlink(self):
        if self:
            raise AccessError(_('Kiosk sessions are kept: they say who worked on which tablet.'))
        return super().unlink()

    # -- signing in and out ----------------------------------------------------------------
    @api.model
    def _mes_sign_in(self, device, identifier, pin):
        """Sign an operator in at ``device`` by badge or login plus PIN.

        A wrong PIN counts towards the operator's PIN lockout (its own transaction, so the
        count survives the refusal); an unknown badge says no more than a wrong PIN.

        :returns: (session, token); the token is given to the kiosk once, only its digest kept
        :raises AccessDenied: with the reason in words
        """
        identifier = (identifier or '').strip()
        Users = self.env['res.users'].sudo().with_context(active_test=True)
        user = Users
        if identifier:
            # a scanner may send either case; the text is matched, never as a pattern
            exact = escape_psql(identifier)
            for field in ('mes_badge', 'login'):
                user = Users.search([(field, '=ilike', exact),
                                     ('company_ids', 'in', device.company_id.ids)], limit=2)
                if len(user) > 1:  # two badges differing by case only: neither is guessed
                    user = Users
                if user:
                    break
        if not user or not user.has_group('mes_bridge.group_mes_operator'):
            raise AccessDenied(_('Badge, login or PIN not recognised.'))
        ok, message = user._mes_check_kiosk_pin(pin)
        if not ok:
            raise AccessDenied(message)
        device.sudo()._mes_end_idle_sessions()
        existing = device.session_ids.filtered(
            lambda s: s.state == 'active' and s.user_id == user)
        existing._mes_end('signed_out')
        token = secrets.token_urlsafe(32)
        session = self.sudo().create({'device_id': device.id, 'user_id': user.id,
                                      'token_digest': token_digest(token)})
        return session, token

    @api.model
    def _mes_from_token(self, device, token):
        """The active session of ``token`` on ``device``; ended here when idle too long.

        :returns: the session, or an empty recordset with the reason as second item"""
        session = self.sudo().search([('token_digest', '=', token_digest(token)),
                                      ('device_id', '=', device.id)], limit=1) if token \
            else self.sudo().browse()
        if not session or session.state != 'active':
            return self.sudo().browse(), _('You are signed out: sign in again with your badge '
                                           'and PIN.')
        if session._mes_idle_expired():
            session._mes_end('idle')
            return self.sudo().browse(), _('You were signed out after %(minutes)s minutes '
                                           'without activity.',
                                           minutes=session.company_id.mes_kiosk_idle_minutes)
        if not session.user_id.active or not session.user_id.has_group(
                'mes_bridge.group_mes_operator'):
            session._mes_end('signed_out')
            return self.sudo().browse(), _('Your account may no longer work on the shop floor.')
        now = fields.Datetime.now()
        if session.last_activity < now - ACTIVITY_RESOLUTION:
            # minutes matter for the idle sign-out, not seconds: no row update per call
            session.write({'last_activity': now})
        return session, None

    def _mes_idle_expired(self):
        self.ensure_one()
        minutes = self.company_id.mes_kiosk_idle_minutes
        return bool(minutes) and self.last_activity + timedelta(minutes=minutes) \
            < fields.Datetime.now()

    def _mes_end(self, reason):
        self.sudo().write({'state': 'ended', 'ended': fields.Datetime.now(),
                           'end_reason': reason, 'token_digest': False})

    @api.model
    def _cron_end_idle_sessions(self):
        for session in self.sudo().search([('state', '=', 'active')]):
            if session._mes_idle_expired():
                session._mes_end('idle')

