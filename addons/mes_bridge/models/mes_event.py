import json
import uuid

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..lib import b2mml
from ..lib import events as event_lib


class MesEvent(models.Model):
    """The event outbox: one row per business event, written in the transaction of the change
    it reports (so it exists exactly when the change does), with one delivery per matching
    subscription. The dispatcher (``odoo mes_events``) sends them; nothing else changes them."""
    _name = 'mes.event'
    _description = 'MES Event'
    _order = 'id desc'
    _rec_name = 'event_type'

    uuid = fields.Char(string='Event ID', required=True, readonly=True, index=True,
                       help="The consumer's dedupe key.")
    event_type = fields.Char(string='Type', required=True, readonly=True, index=True)
    schema_version = fields.Integer(required=True, readonly=True)
    occurred = fields.Datetime(string='Time (UTC)', required=True, readonly=True)
    company_id = fields.Many2one('res.company', required=True, readonly=True, index=True)
    res_model = fields.Char(string='Record Model', required=True, readonly=True)
    res_id = fields.Integer(string='Record ID', required=True, readonly=True)
    subject_name = fields.Char(string='Record', readonly=True)
    ordering_key = fields.Char(required=True, readonly=True, index=True,
                               help='Events of one record are delivered in their order.')
    product_id = fields.Many2one('product.product', readonly=True, index='btree_not_null')
    data = fields.Text(readonly=True, help='The event data, as JSON (its schema per type).')
    delivery_ids = fields.One2many('mes.event.delivery', 'event_id', string='Deliveries')
    b2mml_document = fields.Text(
        string='B2MML Message', readonly=True,
        help='The ISA-95 B2MML v7 message of this event, as sent to B2MML subscriptions '
             '(validated against the schemas when the event happened).')
    b2mml_error = fields.Text(
        string='B2MML Error', readonly=True,
        help='Why no valid B2MML message could be made of this event: it is not sent.')

    _uuid_unique = models.Constraint('UNIQUE (uuid)', 'An event ID is unique.')

    @api.model_create_multi
    def create(self, vals_list):
        # events are facts the application records; a client cannot forge one
        if not self.env.su or not self.env.context.get('mes_emitting'):
            raise AccessError(_('Events are recorded by the application, not created by hand.'))
        return super().create(vals_list)

    def write(self, vals):
        # the application adds the B2MML message of the event when it is queued; nothing else
        if self and not (self.env.su and self.env.context.get('mes_emitting')
                         and set(vals) <= {'b2mml_document', 'b2mml_error'}):
            raise UserError(_('An event is kept as it happened.'))
        return super().write(vals)

    def unlink(self):
        if self:
            raise UserError(_('An event is kept as it happened.'))
        return super().unlink()

    # -- the one way in ------------------------------------------------------------------------
    @api.model
    def _mes_emit(self, event_type, record, data, product=None, company=None):
        """Record that ``event_type`` happened to ``record`` (one record), with ``data`` (its
        schema in ``lib/events.py``), and queue it for every subscription that wants it; in
        the caller's transaction. Returns the event."""
        return self._mes_emit_many([(event_type, record, data, product, company)])

    @api.model
    def _mes_emit_many(self, items):
        """``items``: ``[(event_type, record, data, product, company)]``, in the order they
        happened."""
        now = fields.Datetime.now()
        vals_list = []
        for event_type, record, data, product, company in items:
            if event_type not in event_lib.EVENT_TYPES:
                raise UserError(_('Unknown event type "%(type)s".', type=event_type))
            record.ensure_one()
            company = company or (record.company_id if 'company_id' in record._fields
                                  else None) or self.env.company
            vals_list.append({
                'uuid': str(uuid.uuid4()), 'event_type': event_type,
                'schema_version': event_lib.EVENT_TYPES[event_type][0], 'occurred': now,
                'company_id': company.id, 'res_model': record._name, 'res_id': record.id,
                'subject_name': record.sudo().display_name,
                'ordering_key': '%s,%s' % (record._name, record.id),
                'product_id': product.id if product else False,
                'data': json.dumps(data, sort_keys=True, default=str),
            })
        created = self.sudo().with_context(mes_emitting=True).create(vals_list)
        if created._mes_queue_deliveries():
            # the dispatchers wait on this channel: PostgreSQL sends it at commit, never before
            self.env.cr.execute("NOTIFY mes_event")
        return created

    def _mes_queue_deliveries(self):
        """Queue the deliveries of these events; returns whether there is any."""
        subscriptions = self.env['mes.event.subscription'].sudo().search([('active', '=', True)])
        if not subscriptions:
            return False
        vals_list = []
        for event in self:
            for subscription in subscriptions:
                if subscription._mes_wants(event):
                    vals = {'event_id': event.id, 'subscription_id': subscription.id,
                            'company_id': event.company_id.id,
                            'ordering_key': event.ordering_key,
                            'next_attempt': event.occurred}
                    if subscription.message_format == 'b2mml' and not event._mes_b2mml():
                        # never sent: a dead letter at once, saying why
                        vals.update(state='dead', last_error=event.b2mml_error)
                    vals_list.append(vals)
        if vals_list:
            deliveries = self.env['mes.event.delivery'].sudo().with_context(
                mes_emitting=True).create(vals_list)
            refused = deliveries.filtered(lambda d: d.state == 'dead')
            if refused:
                refused._mes_log('failed', 0, refused[:1].last_error)
        return any(vals.get('state') != 'dead' for vals in vals_list)

    def _mes_b2mml(self):
        """The B2MML message of this event (made once, validated), or None with the reason
        in ``b2mml_error``."""
        self.ensure_one()
        if not (self.b2mml_document or self.b2mml_error):
            record = self.env[self.res_model].sudo().browse(self.res_id)
            try:
                document = record._mes_b2mml_sync(self)
                vals = {'b2mml_document': document.decode()}
            except b2mml.B2mmlError as error:
                vals = {'b2mml_error': self.env['mes.b2mml.message']._mes_error_text(error)}
            self.sudo().with_context(mes_emitting=True).write(vals)
        return self.b2mml_document or None

    @api.model
    def _mes_defer(self, event_type, record, field, still):
        """Emit ``event_type`` for ``record`` just before the transaction commits (still in
        it): for changes the ORM makes while it flushes (a computed state), when records cannot
        be read safely. The data is taken then, and only if ``record[field]`` is still one of
        ``still`` (a savepoint rolled back may have undone the change)."""
        pending = self.env.cr.precommit.data.setdefault('mes_event.deferred', [])
        if not pending:
            self.env.cr.precommit.add(self._mes_emit_deferred)
        pending.append((event_type, record._name, record.id, field, tuple(still)))

    def _mes_emit_deferred(self):
        pending = self.env.cr.precommit.data.pop('mes_event.deferred', [])
        items = []
        seen = set()
        for event_type, model, res_id, field, still in pending:
            record = self.env[model].sudo().browse(res_id).exists()
            if record and record[field] in still and (event_type, model, res_id) not in seen:
                seen.add((event_type, model, res_id))
                items.append((event_type, record, record._mes_event_data(),
                              record._mes_event_product(), None))
        if items:
            self._mes_emit_many(items)

    @api.model
    def _mes_emit_state_changes(self, records, before, field, types):
        """After a write: for each of ``records`` whose ``field`` changed from ``before``
        (``{id: old value}``), emit ``types[new value]`` (or ``types['*']``) with the record's
        ``_mes_event_data(old value)``."""
        items = []
        for record in records:
            if record.id not in before or record[field] == before[record.id]:
                continue
            event_type = types.get(record[field]) or types.get('*')
            if event_type:
                items.append((event_type, record, record._mes_event_data(before[record.id]),
                              record._mes_event_product(), None))
        if items:
            self._mes_emit_many(items)

    # -- the message -----------------------------------------------------------------------------
    def _mes_message(self):
        """The message consumers receive (see ``lib/events.py``)."""
        self.ensure_one()
        return {
            'id': self.uuid, 'type': self.event_type, 'schema_version': self.schema_version,
            'time': self.occurred.strftime('%Y-%m-%dT%H:%M:%SZ'), 'sequence': self.id,
            'company': {'id': self.company_id.id, 'name': self.company_id.name},
            'subject': {'model': self.res_model, 'id': self.res_id,
                        'name': self.subject_name or ''},
            'data': json.loads(self.data or '{}'),
        }

    def action_view_message(self):
        self.ensure_one()
        return {
            'type': 'ir.actions.client', 'tag': 'display_notification',
            'params': {'title': self.event_type, 'sticky': True, 'type': 'info',
                       'message': json.dumps(self._mes_message(), indent=1,
                                             ensure_ascii=False)},
        }
