import hashlib
import secrets
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

# a pairing code is typed or scanned once, within minutes, on the tablet being paired
PAIRING_MINUTES = 15
# no 0/O, 1/I/L: read off a screen and typed on a tablet
PAIRING_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ'
PAIRING_LENGTH = 10


def token_digest(token):
    """What the database keeps of a device or session token: its SHA-256 (the tokens are
    random and long, so a plain digest cannot be reversed; the token itself is never stored)."""
    return hashlib.sha256((token or '').encode()).hexdigest()


class KioskOrigin:
    """Where a kiosk request came from (the device, and for a result recorded offline the time
    on the device), handed into the context as ``mes_kiosk_origin`` by the kiosk controller
    only: a value in the context, as a JSON-2 caller can send, is never taken as one."""
    __slots__ = ('device_id', 'client_time')

    def __init__(self, device_id, client_time=None):
        self.device_id = device_id
        self.client_time = client_time


def kiosk_origin(context):
    origin = context.get('mes_kiosk_origin')
    return origin if isinstance(origin, KioskOrigin) else None


class MesKioskDevice(models.Model):
    """A shop-floor tablet paired with the kiosk for some work centers (21 CFR 11.10(h):
    every record made on it carries it)."""
    _name = 'mes.kiosk.device'
    _description = 'Kiosk Device'
    _inherit = ['mail.thread', 'mes.audited']
    _order = 'name'
    _mes_audit_fields = ('name', 'company_id', 'workcenter_ids', 'state', 'paired_date',
                         'revoked_date', 'revoked_by_id')
    _mes_protected_fields = ('state', 'token_digest', 'pairing_digest', 'pairing_expiry',
                             'paired_date', 'revoked_date', 'revoked_by_id', 'last_seen')

    name = fields.Char(required=True, tracking=True,
                       help='Where the tablet is, e.g. "Moulding cell 2 tablet".')
    company_id = fields.Many2one('res.company', required=True, index=True,
                                 default=lambda self: self.env.company)
    workcenter_ids = fields.Many2many(
        'mrp.workcenter', string='Work Centers', required=True, tracking=True,
        domain="[('company_id', 'in', (company_id, False))]",
        help='The kiosk shows the work orders of these work centers and nothing else.')
    state = fields.Selection([
        ('new', 'Not paired'),
        ('paired', 'Paired'),
        ('revoked', 'Revoked'),
    ], default='new', required=True, readonly=True, tracking=True, index=True)
    token_digest = fields.Char(readonly=True, copy=False, index=True, groups='base.group_system')
    pairing_digest = fields.Char(readonly=True, copy=False, index=True,
                                 groups='base.group_system')
    pairing_expiry = fields.Datetime(string='Pairing Code Valid Until', readonly=True,
                                     copy=False)
    paired_date = fields.Datetime(string='Paired on', readonly=True, copy=False)
    revoked_date = fields.Datetime(string='Revoked on', readonly=True, copy=False)
    revoked_by_id = fields.Many2one('res.users', string='Revoked by', readonly=True, copy=False)
    last_seen = fields.Datetime(readonly=True, copy=False)
    session_ids = fields.One2many('mes.kiosk.session', 'device_id', string='Operator Sessions')
    active = fields.Boolean(default=True)

    @api.constrains('company_id', 'workcenter_ids')
    def _check_workcenter_company(self):
        for device in self:
            if device.workcenter_ids.filtered(
                    lambda wc: wc.company_id and wc.company_id != device.company_id):
                raise UserError(_('A kiosk shows the work centers of its own company only.'))

    def write(self, vals):
        if set(vals) & set(self._mes_protected_fields) and not self.env.su:
            raise UserError(_('A kiosk device is paired and revoked with its buttons.'))
        return super().write(vals)

    def unlink(self):
        if any(device.state != 'new' for device in self):
            raise UserError(_('A kiosk device that was paired is kept (records name it): '
                              'revoke and archive it.'))
        return super().unlink()

    # -- pairing -------------------------------------------------------------------------
    def _mes_check_admin(self):
        if not self.env.user.has_group('mes_bridge.group_mes_admin'):
            raise AccessError(_('Only an MES administrator pairs and revokes kiosk devices.'))

    def mes_new_pairing_code(self):
        """A one-time pairing code for this device, valid for a few minutes: shown to the
        administrator once (never stored, only its digest).

        :returns: dict ``{'code', 'url', 'valid_until'}``"""
        self.ensure_one()
        self._mes_check_admin()
        self.check_access('write')
        if self.state == 'revoked' or not self.active:
            raise UserError(_('%(device)s is revoked: register a new device.',
                              device=self.name))
        code = ''.join(secrets.choice(PAIRING_ALPHABET) for _i in range(PAIRING_LENGTH))
        expiry = fields.Datetime.now() + timedelta(minutes=PAIRING_MINUTES)
        self.sudo().write({'pairing_digest': token_digest(code), 'pairing_expiry': expiry})
        base = self.get_base_url()
        return {'code': code, 'url': '%s/mes/kiosk/pair?code=%s' % (base, code),
                'valid_until': fields.Datetime.to_string(expiry)}

    @api.model
    def _mes_pair(self, code):
        """The tablet presents a pairing code: it gets the device token (returned once, kept
        by the tablet in an HttpOnly cookie). A code works once, within its validity.

        :returns: (device, token)"""
        code = (code or '').strip().upper().replace('-', '').replace(' ', '')
        device = self.sudo().search([('pairing_digest', '=', token_digest(code)),
                                     ('pairing_digest', '!=', False)], limit=1)
        if not code or not device or device.state == 'revoked' or not device.active:
            raise AccessError(_('This pairing code is not valid. Ask an MES administrator for '
                                'a new one.'))
        if device.pairing_expiry < fields.Datetime.now():
            device.write({'pairing_digest': False, 'pairing_expiry': False})
            raise AccessError(_('This pairing code has expired. Ask an MES administrator for '
                                'a new one.'))
        token = secrets.token_urlsafe(32)
        # a device paired again ends whatever was signed in on its previous pairing
        device.session_ids.filtered(lambda s: s.state == 'active')._mes_end('revoked')
        device.write({'token_digest': token_digest(token), 'pairing_digest': False,
                      'pairing_expiry': False, 'state': 'paired',
                      'paired_date': fields.Datetime.now()})
        device.message_post(body=_('Paired with a tablet.'))
        return device, token

    @api.model
    def _mes_from_token(self, token):
        """The paired device a request's token belongs to, or an empty recordset."""
        if not token:
            return self.sudo().browse()
        return self.sudo().search([('token_digest', '=', token_digest(token)),
                                   ('state', '=', 'paired'), ('active', '=', True)], limit=1)

    def action_revoke(self):
        """Revoke the device: its token stops working at once and its operators are signed
        out."""
        self._mes_check_admin()
        self.check_access('write')
        for device in self.sudo():
            device.session_ids.filtered(lambda s: s.state == 'active')._mes_end('revoked')
            device.write({'state': 'revoked', 'token_digest': False, 'pairing_digest': False,
                          'pairing_expiry': False, 'revoked_date': fields.Datetime.now(),
                          'revoked_by_id': self.env.uid})
            device.message_post(body=_('Revoked by %(user)s.', user=self.env.user.name))
            self.env['bus.bus']._sendone(device, 'mes_kiosk/revoked', {})
        return True

    def action_pairing_code(self):
        self.ensure_one()
        pairing = self.mes_new_pairing_code()
        return {
            'type': 'ir.actions.client', 'tag': 'display_notification',
            'params': {
                'title': _('Pairing code for %(device)s', device=self.name),
                'message': _('Open %(url)s on the tablet, or enter the code %(code)s on its '
                             'kiosk page. Valid until %(until)s (UTC).', url=pairing['url'],
                             code=pairing['code'], until=pairing['valid_until']),
                'sticky': True, 'type': 'info'},
        }

    def _mes_end_idle_sessions(self):
        for session in self.sudo().session_ids.filtered(lambda s: s.state == 'active'):
            if session._mes_idle_expired():
                session._mes_end('idle')

    @api.model
    def _mes_notify_workorders(self, workorders):
        """Tell the kiosks showing ``workorders`` that they changed (an exception raised or
        dispositioned, a step recorded elsewhere): they reload them, no page reload."""
        workcenters = workorders.workcenter_id
        if not workcenters:
            return
        devices = self.sudo().search([('state', '=', 'paired'),
                                      ('workcenter_ids', 'in', workcenters.ids)])
        for device in devices:
            ids = workorders.filtered(lambda wo, d=device: wo.workcenter_id in d.workcenter_ids).ids
            self.env['bus.bus']._sendone(device, 'mes_kiosk/workorders', {'ids': ids})

    def _mes_bus_channel(self):
        self.ensure_one()
        return 'mes_kiosk_device_%s' % self.id
