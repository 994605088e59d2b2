import logging
import time
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..lib import events as event_lib
from ..lib.event_transports import DeliveryError, transport_for

_logger = logging.getLogger(__name__)

DELIVERY_STATES = [
    ('pending', 'Pending'),
    ('delivered', 'Delivered'),
    ('dead', 'Dead Letter'),
]
# a delivery claimed by a dispatcher that died is taken again after this long
CLAIM_TIMEOUT = timedelta(minutes=5)


class MesEventDelivery(models.Model):
    """One event for one subscription: pending until the destination took it, then delivered;
    dead after the subscription's attempts. Every attempt is logged."""
    _name = 'mes.event.delivery'
    _description = 'MES Event Delivery'
    _order = 'id desc'
    _rec_name = 'event_id'

    event_id = fields.Many2one('mes.event', required=True, readonly=True, ondelete='restrict',
                               index=True)
    subscription_id = fields.Many2one('mes.event.subscription', required=True, readonly=True,
                                      ondelete='restrict', index=True)
    event_type = fields.Char(related='event_id.event_type')
    company_id = fields.Many2one(related='event_id.company_id', store=True, index=True)
    ordering_key = fields.Char(required=True, readonly=True)
    state = fields.Selection(DELIVERY_STATES, default='pending', required=True, readonly=True,
                             index=True)
    attempts = fields.Integer(readonly=True)
    next_attempt = fields.Datetime(string='Next Attempt (UTC)', readonly=True)
    delivered = fields.Datetime(string='Delivered (UTC)', readonly=True)
    last_error = fields.Text(readonly=True)
    log_ids = fields.One2many('mes.event.delivery.log', 'delivery_id', string='Delivery Log',
                              readonly=True)

    def init(self):
        # the dispatcher's claim: the oldest pending delivery of each (subscription, record)
        self.env.cr.execute("""
            CREATE INDEX IF NOT EXISTS mes_event_delivery_pending_idx
                ON mes_event_delivery (subscription_id, ordering_key, id)
             WHERE state = 'pending'
        """)

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su or not self.env.context.get('mes_emitting'):
            raise AccessError(_('Deliveries are queued by the application.'))
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su or not self.env.context.get('mes_dispatching'):
            raise AccessError(_('Deliveries are changed by the dispatcher, or replayed.'))
        return super().write(vals)

    def unlink(self):
        if self:
            raise UserError(_('A delivery is part of the delivery log.'))
        return super().unlink()

    def _mes_dispatch_env(self):
        return self.sudo().with_context(mes_dispatching=True)

    # -- the dispatcher's side -----------------------------------------------------------------
    @api.model
    def _mes_claim(self, limit=100, skip_subscription_ids=()):
        """Lock and return deliveries that are due, at most one per (subscription, record), of
        active subscriptions (an archived one is paused: its events wait):
        the oldest pending one, so that a record's events go out in order. Rows another
        dispatcher holds are skipped (``SKIP LOCKED``), and a later event of a record whose
        earlier one is held elsewhere is not taken either: it is not the oldest."""
        self.env.cr.execute("""
            SELECT d.id
              FROM mes_event_delivery d
              JOIN mes_event_subscription s ON s.id = d.subscription_id AND s.active
             WHERE d.state = 'pending'
               AND d.next_attempt <= (now() AT TIME ZONE 'UTC')
               AND NOT d.subscription_id = ANY(%s)
               AND NOT EXISTS (
                   SELECT 1 FROM mes_event_delivery e
                    WHERE e.subscription_id = d.subscription_id
                      AND e.ordering_key = d.ordering_key
                      AND e.state = 'pending' AND e.id < d.id)
             ORDER BY d.id
             LIMIT %s
               FOR UPDATE OF d SKIP LOCKED
        """, [list(skip_subscription_ids), limit])
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    @api.model
    def _mes_dispatch_batch(self, transports, limit=100, time_budget=20.0):
        """Claim due deliveries and send them, in this transaction (commit it after: a crash
        before the commit sends them again, never loses them). ``transports``: the caller's
        cache ``{subscription id: (write_date, transport)}``, kept between batches.

        :returns: number of deliveries attempted"""
        # a destination that just failed is left alone for a while by this dispatcher (its
        # other events would fail the same way): {('down', id): (until, failures in a row)}
        now = time.monotonic()
        resting = [key[1] for key, (until, _n) in list(transports.items())
                   if key[0] == 'down' and until > now]
        deliveries = self._mes_claim(limit, resting)
        started = time.monotonic()
        attempted = 0
        for subscription in deliveries.subscription_id:
            transport = self._mes_transport(transports, subscription)
            for delivery in deliveries.filtered(lambda d: d.subscription_id == subscription):
                if time.monotonic() - started > time_budget:
                    break  # the rest stays pending, released with the locks
                message = delivery.event_id._mes_message()
                document = None
                if subscription.message_format == 'b2mml':
                    document = delivery.event_id.b2mml_document
                    if not document:  # no valid message: never sent
                        delivery._mes_refused(delivery.event_id.b2mml_error)
                        attempted += 1
                        continue
                    document = document.encode()
                begin = time.monotonic()
                try:
                    detail = transport.send(message, document)
                except Exception as error:  # noqa: BLE001 - recorded, retried; never fatal
                    if not isinstance(error, DeliveryError):
                        _logger.exception('delivering %s failed', message['id'])
                    delivery._mes_failed(error, int((time.monotonic() - begin) * 1000))
                    attempted += 1
                    # the destination is down: its other events wait for their next turn
                    _until, failures = transports.get(('down', subscription.id), (0, 0))
                    transports[('down', subscription.id)] = (
                        time.monotonic() + event_lib.backoff_seconds(
                            failures + 1, cap=subscription.retry_max_interval), failures + 1)
                    break
                transports.pop(('down', subscription.id), None)
                delivery._mes_delivered(int((time.monotonic() - begin) * 1000), detail)
                attempted += 1
        return attempted

    @api.model
    def _mes_transport(self, transports, subscription):
        key = ('transport', subscription.id)
        stamp, transport = transports.get(key, (None, None))
        if transport is None or stamp != subscription.write_date:
            if transport is not None:
                transport.close()
            transport = transport_for(subscription._mes_transport_config())
            transports[key] = (subscription.write_date, transport)
        return transport

    def _mes_delivered(self, duration_ms, detail=None):
        now = fields.Datetime.now()
        for delivery in self:
            delivery._mes_dispatch_env().write({
                'state': 'delivered', 'delivered': now, 'attempts': delivery.attempts + 1,
                'last_error': False})
        self._mes_log('delivered', duration_ms, detail)

    def _mes_failed(self, error, duration_ms):
        """A failed attempt: retried after a growing pause, dead after the last attempt."""
        now = fields.Datetime.now()
        for delivery in self:
            attempts = delivery.attempts + 1
            dead = attempts >= delivery.subscription_id.max_attempts
            delivery._mes_dispatch_env().write({
                'attempts': attempts, 'last_error': str(error)[:2000],
                'state': 'dead' if dead else 'pending',
                'next_attempt': now + timedelta(seconds=event_lib.backoff_seconds(
                    attempts, cap=delivery.subscription_id.retry_max_interval)),
            })
        self._mes_log('failed', duration_ms, str(error)[:2000])

    def _mes_refused(self, error):
        """A message that cannot be made valid is dead at once, not retried."""
        error = error or _('No B2MML message could be made of this event.')
        self._mes_dispatch_env().write({'state': 'dead', 'last_error': error})
        self._mes_log('failed', 0, error)

    def _mes_log(self, outcome, duration_ms, detail):
        self.env['mes.event.delivery.log'].sudo().with_context(mes_dispatching=True).create([{
            'delivery_id': delivery.id, 'attempt': delivery.attempts, 'outcome': outcome,
            'duration_ms': duration_ms, 'detail': detail or False,
        } for delivery in self])

    # -- dead letters ----------------------------------------------------------------------------
    def action_replay(self):
        """Send dead letters again (an MES administrator or a QA manager): back in the queue
        with a fresh count of attempts, the replay logged."""
        user = self.env.user
        if not (user.has_group('mes_bridge.group_mes_admin')
                or user.has_group('mes_bridge.group_mes_quality_manager')):
            raise AccessError(_('Only an MES administrator or a QA manager replays events.'))
        if any(delivery.state != 'dead' for delivery in self):
            raise UserError(_('Only dead letters are replayed.'))
        self._mes_dispatch_env().write({'state': 'pending', 'attempts': 0,
                                        'next_attempt': fields.Datetime.now()})
        self._mes_log('replayed', 0, _('Replayed by %(user)s.', user=user.name))
        self.env.cr.execute("NOTIFY mes_event")
        return True
