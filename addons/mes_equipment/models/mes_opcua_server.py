import asyncio
import base64

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..lib import opcua_security

SECURITY_POLICIES = [
    ('None', 'None'),
    ('Basic256Sha256', 'Basic256Sha256'),
    ('Aes128Sha256RsaOaep', 'Aes128Sha256RsaOaep'),
    ('Aes256Sha256RsaPss', 'Aes256Sha256RsaPss'),
]
SECURITY_MODES = [
    ('None', 'None'),
    ('Sign', 'Sign'),
    ('SignAndEncrypt', 'Sign and encrypt'),
]


class MesOpcuaServer(models.Model):
    """An OPC UA server the collector subscribes to (one machine or a gateway)."""
    _name = 'mes.opcua.server'
    _description = 'OPC UA Server'
    _order = 'name'

    name = fields.Char(required=True)
    endpoint_url = fields.Char(string='Endpoint URL', required=True,
                               help='e.g. opc.tcp://10.0.4.21:4840/')
    security_policy = fields.Selection(SECURITY_POLICIES, default='None', required=True)
    security_mode = fields.Selection(SECURITY_MODES, default='None', required=True)
    auth_type = fields.Selection([('anonymous', 'Anonymous'), ('password', 'User and password'),
                                  ('certificate', 'Certificate')], default='anonymous',
                                 required=True, string='Authentication')
    username = fields.Char()
    password = fields.Char(groups='mes_bridge.group_mes_admin')
    # stored in the table (not the filestore): the collector reads them with SQL
    client_certificate = fields.Binary(string='Client Certificate (DER)', attachment=False,
                                       groups='mes_bridge.group_mes_admin')
    client_private_key = fields.Binary(string='Client Private Key (PEM)', attachment=False,
                                       groups='mes_bridge.group_mes_admin')
    server_certificate = fields.Binary(string='Trusted Server Certificate (DER)',
                                       attachment=False, groups='mes_bridge.group_mes_admin')
    client_certificate_info = fields.Char(compute='_compute_client_certificate_info',
                                          string='Client Certificate')
    shard = fields.Char(default='default', required=True,
                        help='Collector processes started with --shard X serve servers of X.')
    tag_ids = fields.One2many('mes.opcua.tag', 'server_id', string='Tags')
    company_id = fields.Many2one('res.company', required=True, index=True,
                                 default=lambda self: self.env.company)
    active = fields.Boolean(default=True)
    connection_state = fields.Selection([('unknown', 'Unknown'), ('connected', 'Connected'),
                                         ('lost', 'Connection lost')], default='unknown',
                                        readonly=True)
    last_seen = fields.Datetime(readonly=True)
    listened_until = fields.Datetime(
        string='Collected Until (UTC)', readonly=True,
        help='Until when the collector was subscribed and had stored everything it received '
             '(written with its batches). A restart reads back, or records as a gap, what '
             'came after.')
    last_error = fields.Text(readonly=True)

    def _compute_client_certificate_info(self):
        for server in self.sudo():
            raw = server.client_certificate
            server.client_certificate_info = opcua_security.certificate_summary(
                base64.b64decode(raw), self._mes_translate) if raw else False

    def _mes_translate(self, template, params):
        """Text of a message template of lib/opcua_security.py in the user's language: its
        ``_lt`` terms belong to this addon, so the lookup is made from here."""
        return self.env._(template, **params)

    def _mes_check_admin(self):
        """Certificates, connection tests and browsing change or load a shop-floor
        connection (a test that fails marks the server lost): MES administrators only, on
        servers of their companies."""
        if not self.env.user.has_group('mes_bridge.group_mes_admin'):
            raise AccessError(_('Only a MES Administrator can manage OPC UA connections.'))
        self.check_access('write')

    def action_generate_client_certificate(self):
        """A new self-signed client certificate and key for this server's connection."""
        self._mes_check_admin()
        for server in self:
            der, pem = opcua_security.generate_client_certificate()
            server.sudo().write({'client_certificate': base64.b64encode(der),
                                 'client_private_key': base64.b64encode(pem)})
        return True

    def action_browse(self):
        self.ensure_one()
        self._mes_check_admin()
        return self.env['mes.opcua.browse'].action_open_for(self)

    def _mes_client_settings(self):
        """This server's connection settings for lib.opcua_security.make_client (the same
        dict the collector builds from the database)."""
        self.ensure_one()
        certificate, key, server_certificate = self._mes_security_material()
        server = self.sudo()
        return {
            'url': server.endpoint_url, 'policy': server.security_policy,
            'mode': server.security_mode, 'certificate': certificate, 'private_key': key,
            'server_certificate': server_certificate,
            'username': server.username if server.auth_type == 'password' else None,
            'password': server.password if server.auth_type == 'password' else None,
            'user_certificate': server.auth_type == 'certificate',
        }

    def _mes_security_material(self):
        self.ensure_one()
        server = self.sudo()

        def raw(value):
            return base64.b64decode(value) if value else None
        return (raw(server.client_certificate), raw(server.client_private_key),
                raw(server.server_certificate))

    @api.constrains('security_policy', 'security_mode')
    def _check_security(self):
        for server in self:
            if (server.security_policy == 'None') != (server.security_mode == 'None'):
                raise UserError(_('%(server)s: a security policy needs a mode Sign or Sign and '
                                  'encrypt, and policy None goes with mode None.',
                                  server=server.name))

    def action_test_connection(self):
        """Open a session with the configured security; report what the endpoint offers and
        any failure in words."""
        self.ensure_one()
        self._mes_check_admin()
        try:
            from asyncua import Client
        except ImportError:
            raise UserError(_('The OPC UA library asyncua is not installed on this Odoo server '
                              '(pip install -r requirements.txt).')) from None
        settings = self._mes_client_settings()

        async def probe():
            endpoints = await Client(self.endpoint_url, timeout=5) \
                .connect_and_get_server_endpoints()
            client = await opcua_security.make_client(settings)
            await client.connect()
            try:
                await client.nodes.server_state.read_value()
            finally:
                await client.disconnect()
            return endpoints
        try:
            endpoints = asyncio.run(probe())
        except Exception as error:  # noqa: BLE001 - every failure is reported in words
            message = _('Cannot connect to %(url)s: %(why)s', url=self.endpoint_url,
                        why=opcua_security.explain(error, self._mes_translate))
            self.sudo().write({'connection_state': 'lost', 'last_error': message})
            kind = 'danger'
        else:
            offered = sorted({'%s / %s' % (e.SecurityPolicyUri.rsplit('#', 1)[-1],
                                           e.SecurityMode.name) for e in endpoints})
            message = _('Connected to %(url)s with %(policy)s / %(mode)s. Security offered: '
                        '%(policies)s', url=self.endpoint_url, policy=self.security_policy,
                        mode=self.security_mode, policies=', '.join(offered))
            self.sudo().write({'connection_state': 'connected', 'last_error': False,
                               'last_seen': fields.Datetime.now()})
            kind = 'success'
        return {'type': 'ir.actions.client', 'tag': 'display_notification',
                'params': {'title': _('Connection test'), 'message': message, 'type': kind,
                           'sticky': kind == 'danger'}}
