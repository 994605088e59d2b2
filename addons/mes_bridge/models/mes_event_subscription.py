import hashlib
import hmac
import json
import uuid

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..lib import events as event_lib

MESSAGE_FORMATS = [
    ('json', 'MES event (JSON)'),
    ('b2mml', 'ISA-95 B2MML v7 (XML)'),
]
# the event types a B2MML subscription can take: the message each becomes
B2MML_EVENT_TYPES = {'production.done': 'SyncOperationsPerformance',
                     'lot.release_state_changed': 'SyncMaterialLot'}

DESTINATIONS = [
    ('webhook', 'Webhook (HTTPS POST)'),
    ('mqtt', 'MQTT broker'),
    ('amqp', 'AMQP 0-9-1 broker (RabbitMQ)'),
]


class MesEventSubscription(models.Model):
    """A destination for MES events: a webhook, an MQTT topic or an AMQP exchange, with the
    types, companies and products it wants. The dispatcher delivers each event at least once,
    in order per record, and dead-letters it after ``max_attempts``."""
    _name = 'mes.event.subscription'
    _description = 'MES Event Subscription'
    _inherit = ['mail.thread', 'mes.audited']
    # where GxP events go is configuration under change control (never the secrets: the
    # password is an environment variable's name, extra headers may carry tokens)
    _mes_audit_fields = ('name', 'active', 'destination', 'message_format', 'event_type_ids',
                         'company_ids', 'product_ids', 'url', 'host', 'port', 'use_tls',
                         'username', 'password_env', 'topic_template', 'exchange',
                         'routing_key_template', 'max_attempts')
    _mes_audit_no_delete = False
    _order = 'name, id'

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    destination = fields.Selection(DESTINATIONS, required=True, default='webhook', tracking=True)
    message_format = fields.Selection(
        MESSAGE_FORMATS, required=True, default='json', tracking=True,
        help='B2MML: a done production is sent as SyncOperationsPerformance, a lot release '
             'state change as SyncMaterialLot, each validated against the B2MML v7 schemas.')
    event_type_ids = fields.Many2many('mes.event.type', string='Event Types', required=True,
                                      help='The events this destination receives.')
    company_ids = fields.Many2many('res.company', string='Companies',
                                   help='Only events of these companies (all when empty).')
    product_ids = fields.Many2many('product.product', string='Products',
                                   help='Only events about these products (all when empty).')
    # webhook
    url = fields.Char(string='URL', tracking=True)
    extra_headers = fields.Text(
        help='JSON object of headers added to each request. Not for secrets: the receiver '
             'authenticates the sender by the signature.')
    # MQTT / AMQP
    host = fields.Char(tracking=True)
    port = fields.Integer(tracking=True)
    use_tls = fields.Boolean(string='TLS', tracking=True)
    username = fields.Char(tracking=True)
    password_env = fields.Char(
        string='Password Variable',
        help='Name of the environment variable of the dispatcher process that holds the '
             'password (the password itself is never stored in the database).')
    topic_template = fields.Char(
        default='mes/{company}/{type}/{model}/{id}',
        help='MQTT topic; placeholders {type}, {category}, {company}, {model}, {id}.')
    virtual_host = fields.Char(default='/')
    exchange = fields.Char(default='mes.events')
    routing_key_template = fields.Char(default='{type}.{model}.{id}',
                                       help='AMQP routing key; same placeholders as topics.')
    # retries
    max_attempts = fields.Integer(default=10, required=True,
                                  help='Failed attempts after which an event is dead-lettered.')
    timeout = fields.Float(string='Timeout (s)', default=10.0, required=True)
    retry_max_interval = fields.Integer(
        string='Longest Wait (s)', default=3600, required=True,
        help='Failed attempts are retried after 2, 4, 8... seconds, at most this long apart.')
    signing_salt = fields.Char(readonly=True, copy=False, groups='mes_bridge.group_mes_admin',
                               default=lambda self: uuid.uuid4().hex)
    delivery_ids = fields.One2many('mes.event.delivery', 'subscription_id')
    pending_count = fields.Integer(compute='_compute_counts')
    dead_count = fields.Integer(string='Dead Letters', compute='_compute_counts')

    @api.depends('delivery_ids.state')
    def _compute_counts(self):
        groups = self.env['mes.event.delivery'].sudo()._read_group(
            [('subscription_id', 'in', self.ids), ('state', 'in', ('pending', 'dead'))],
            ['subscription_id', 'state'], ['__count'])
        counts = {(sub.id, state): count for sub, state, count in groups}
        for subscription in self:
            subscription.pending_count = counts.get((subscription.id, 'pending'), 0)
            subscription.dead_count = counts.get((subscription.id, 'dead'), 0)

    @api.constrains('message_format', 'event_type_ids')
    def _check_message_format(self):
        for subscription in self:
            if subscription.message_format != 'b2mml':
                continue
            others = set(subscription.event_type_ids.mapped('code')) - set(B2MML_EVENT_TYPES)
            if others:
                raise ValidationError(_(
                    'A B2MML subscription takes only the event types that have a B2MML '
                    'message (%(types)s), not %(others)s.',
                    types=', '.join(sorted(B2MML_EVENT_TYPES)), others=', '.join(sorted(others))))

    @api.constrains('destination', 'url', 'host', 'topic_template', 'routing_key_template',
                    'extra_headers', 'max_attempts', 'timeout', 'retry_max_interval')
    def _check_destination(self):
        for subscription in self:
            if subscription.destination == 'webhook':
                if not (subscription.url or '').startswith(('https://', 'http://')):
                    raise ValidationError(_('Webhook "%(name)s" needs an http(s) URL.',
                                            name=subscription.name))
            elif not subscription.host:
                raise ValidationError(_('Subscription "%(name)s" needs the broker host.',
                                        name=subscription.name))
            try:
                for template in (subscription.topic_template,
                                 subscription.routing_key_template):
                    if template:
                        event_lib.check_template(template)
            except ValueError as error:
                raise ValidationError(str(error)) from error
            if subscription.extra_headers:
                try:
                    headers = json.loads(subscription.extra_headers)
                except ValueError as error:
                    raise ValidationError(_('Extra headers are a JSON object.')) from error
                if not isinstance(headers, dict) or not all(
                        isinstance(v, str) for v in headers.values()):
                    raise ValidationError(_('Extra headers are a JSON object of strings.'))
            if subscription.max_attempts < 1 or subscription.timeout <= 0 \
                    or subscription.retry_max_interval < 1:
                raise ValidationError(_('Attempts and timeout must be positive.'))

    def _mes_wants(self, event):
        self.ensure_one()
        return (event.event_type in self.event_type_ids.mapped('code')
                and (not self.company_ids or event.company_id in self.company_ids)
                and (not self.product_ids or event.product_id in self.product_ids))

    def _mes_signing_key(self):
        """The webhook's HMAC key: derived from the database secret and this subscription's
        salt, never stored; rotated by a new salt."""
        self.ensure_one()
        secret = self.env['ir.config_parameter'].sudo().get_param('database.secret')
        salt = self.sudo().signing_salt or ''
        return hmac.new(secret.encode(), ('mes.event.subscription:%d:%s' % (
            self.id, salt)).encode(), hashlib.sha256).hexdigest().encode()

    def _mes_check_admin(self):
        if not self.env.user.has_group('mes_bridge.group_mes_admin'):
            raise AccessError(_('Only an MES administrator manages event subscriptions.'))

    def action_show_signing_key(self):
        """The key the receiver checks signatures with (HMAC-SHA256)."""
        self.ensure_one()
        self._mes_check_admin()
        return {'type': 'ir.actions.client', 'tag': 'display_notification', 'params': {
            'title': _('Signing key of %(name)s', name=self.name), 'sticky': True,
            'type': 'warning', 'message': self._mes_signing_key().decode()}}

    def action_rotate_signing_key(self):
        self._mes_check_admin()
        for subscription in self:
            subscription.sudo().signing_salt = uuid.uuid4().hex
            subscription.message_post(body=_('Signing key rotated by %(user)s.',
                                             user=self.env.user.name))
        return True

    def _mes_transport_config(self):
        """What the dispatcher needs to deliver (no database access there)."""
        self.ensure_one()
        return {
            'id': self.id, 'destination': self.destination, 'url': self.url,
            'message_format': self.message_format,
            'headers': json.loads(self.extra_headers or '{}'),
            'signing_key': self._mes_signing_key() if self.destination == 'webhook' else None,
            'host': self.host, 'port': self.port, 'tls': self.use_tls,
            'username': self.username, 'password_env': self.password_env,
            'topic_template': self.topic_template, 'virtual_host': self.virtual_host,
            'exchange': self.exchange, 'routing_key_template': self.routing_key_template,
            'timeout': self.timeout,
        }
