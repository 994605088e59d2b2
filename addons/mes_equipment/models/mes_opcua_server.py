import asyncio

from odoo import _, api, fields, models
from odoo.exceptions import UserError

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
    client_certificate = fields.Binary(attachment=True, groups='mes_bridge.group_mes_admin')
    client_private_key = fields.Binary(attachment=True, groups='mes_bridge.group_mes_admin')
    server_certificate = fields.Binary(string='Trusted Server Certificate', attachment=True,
                                       groups='mes_bridge.group_mes_admin')
    shard = fields.Char(default='default', required=True,
                        help='Collector processes started with --shard X serve servers of X.')
    tag_ids = fields.One2many('mes.opcua.tag', 'server_id', string='Tags')
    company_id = fields.Many2one('res.company', default=lambda self: self.env.company)
    active = fields.Boolean(default=True)
    connection_state = fields.Selection([('unknown', 'Unknown'), ('connected', 'Connected'),
                                         ('lost', 'Connection lost')], default='unknown',
                                        readonly=True)
    last_seen = fields.Datetime(readonly=True)
    last_error = fields.Text(readonly=True)

    @api.constrains('security_policy', 'security_mode')
    def _check_security(self):
        for server in self:
            if (server.security_policy == 'None') != (server.security_mode == 'None'):
                raise UserError(_('%(server)s: a security policy needs a mode Sign or Sign and '
                                  'encrypt, and policy None goes with mode None.',
                                  server=server.name))

    def action_test_connection(self):
        """Ask the endpoint which security policies it offers, and say what went wrong."""
        self.ensure_one()
        from asyncua import Client

        async def probe():
            client = Client(self.endpoint_url, timeout=5)
            return await client.connect_and_get_server_endpoints()
        try:
            endpoints = asyncio.run(probe())
        except Exception as error:  # noqa: BLE001 - every failure is reported in words
            message = _('Cannot reach %(url)s: %(error)s', url=self.endpoint_url,
                        error=str(error) or error.__class__.__name__)
            self.sudo().write({'connection_state': 'lost', 'last_error': message})
            kind = 'danger'
        else:
            offered = sorted({'%s / %s' % (e.SecurityPolicyUri.rsplit('#', 1)[-1],
                                           e.SecurityMode.name) for e in endpoints})
            message = _('%(url)s answers. Security offered: %(policies)s',
                        url=self.endpoint_url, policies=', '.join(offered))
            self.sudo().write({'connection_state': 'connected', 'last_error': False,
                               'last_seen': fields.Datetime.now()})
            kind = 'success'
        return {'type': 'ir.actions.client', 'tag': 'display_notification',
                'params': {'title': _('Connection test'), 'message': message, 'type': kind,
                           'sticky': kind == 'danger'}}
