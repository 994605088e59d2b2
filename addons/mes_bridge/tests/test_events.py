import json

import jsonschema

from odoo.addons.mes_bridge.lib import events as event_lib
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import PASSWORDS, MesCase


@tagged('post_install', '-at_install')
class TestEventOutbox(MesCase):
    """Business events written in the transaction of the change, one per subscription that
    wants them; their messages valid per the published schema of their type."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref('base.user_admin')
        cls.admin.group_ids |= cls.env.ref('mes_bridge.group_mes_admin')
        Type = cls.env['mes.event.type']
        cls.erp = cls.env['mes.event.subscription'].with_user(cls.admin).create({
            'name': 'Corporate ERP', 'destination': 'webhook',
            'url': 'https://erp.example.com/mes', 'event_type_ids': [(6, 0, Type.search([]).ids)]})
        cls.lake = cls.env['mes.event.subscription'].with_user(cls.admin).create({
            'name': 'Data lake (lots only)', 'destination': 'mqtt', 'host': 'broker.example.com',
            'event_type_ids': [(6, 0, Type.search(
                [('code', '=', 'lot.release_state_changed')]).ids)],
            'product_ids': [(6, 0, cls.stopper.ids)]})

    def events(self, since=0, **domain):
        self.env.cr.flush()  # what the commit would do: deferred events are written then
        search = [('id', '>', since)] + [(k, '=', v) for k, v in domain.items()]
        return self.env['mes.event'].search(search, order='id')

    def last_id(self):
        self.env.cr.flush()
        return self.env['mes.event'].search([], limit=1, order='id desc').id or 0

    def assert_valid(self, event):
        message = event._mes_message()
        jsonschema.validate(message, json.loads(self.env['mes.event.type'].search(
            [('code', '=', event.event_type)]).json_schema),
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
        return message

    def test_a_production_run_reports_every_event_in_order(self):
        start = self.last_id()
        production = self.released_production()
        molding, assembly = self.workorders(production)
        self.run_molding(molding)
        loss = self.env['mrp.workcenter.productivity.loss'].search(
            [('loss_type', '=', 'availability')], limit=1)
        molding.with_user(self.operator).mes_pause(loss.id, 'Hopper empty')
        molding.with_user(self.operator).mes_resume()
        molding.with_user(self.operator).button_finish()
        self.run_assembly(assembly)
        assembly.with_user(self.operator).button_finish()
        action = production.button_mark_done()
        if isinstance(action, dict) and action.get('res_model') == 'mrp.consumption.warning':
            Form(self.env['mrp.consumption.warning'].with_context(
                **action['context'])).save().action_confirm()
        self.assertEqual(production.state, 'done')
        events = self.events(start)
        for event in events:
            self.assert_valid(event)
        on_production = events.filtered(lambda e: e.res_model == 'mrp.production')
        self.assertEqual(on_production.mapped('event_type'),
                         ['production.released', 'production.started', 'production.done'])
        done = json.loads(on_production[-1].data)
        self.assertEqual((done['state'], done['quantity'], done['master_version']),
                         ('done', 10, 1))
        on_molding = events.filtered(lambda e: e.ordering_key == 'mrp.workorder,%s' % molding.id)
        self.assertEqual(on_molding.mapped('event_type'), [
            'workorder.started', 'workorder.paused', 'workorder.started', 'workorder.done'])
        paused = json.loads(on_molding[1].data)
        self.assertIn('Hopper empty', paused['reason'])
        self.assertEqual(paused['user']['name'], self.operator.name)
        steps = events.filtered(lambda e: e.event_type == 'step.recorded')
        self.assertEqual(len(steps), 10)
        temperature = next(json.loads(e.data) for e in steps
                           if json.loads(e.data)['name'] == 'Barrel temperature')
        self.assertEqual((temperature['value'], temperature['result'],
                          temperature['operator']['name']), ('231.5', 'pass', self.operator.name))
        # each event names its record, its company; the sequence is the order of the outbox
        message = self.assert_valid(steps[0])
        self.assertEqual(message['subject']['model'], 'mes.step.execution')
        self.assertEqual(message['company']['id'], self.company.id)
        self.assertEqual(events.ids, sorted(events.ids))
        # the ERP gets a delivery of each, the lot-only lake none of these
        self.assertEqual(events.delivery_ids.subscription_id, self.erp)
        self.assertEqual(set(events.delivery_ids.mapped('state')), {'pending'})

    def test_done_production_and_exceptions(self):
        production = self.released_production()
        molding, _assembly = self.workorders(production)
        start = self.last_id()
        molding.with_user(self.operator).button_start()
        steps = self.steps(molding)
        self.record(steps[0])
        self.record(steps[1], code='RES-001')
        out = self.record(steps[2], value='250')
        self.assertTrue(out['exception_id'])
        raised = self.events(start, event_type='exception.raised')
        self.assertEqual(len(raised), 1)
        data = json.loads(raised.data)
        self.assertEqual((data['kind'], data['blocking'], data['workorder']['id']),
                         ('out_of_limit', True, molding.id))
        exception = self.env['mes.exception'].browse(out['exception_id'])
        exception.with_user(self.supervisor).action_disposition(
            'rework', 'Reheated', 'mes_supervisor', PASSWORDS['supervisor'])
        closed = self.events(start, event_type='exception.dispositioned')
        self.assert_valid(closed)
        self.assertEqual(json.loads(closed.data)['dispositioned_by']['name'],
                         self.supervisor.name)

    def test_lot_release_state_goes_to_the_subscriptions_that_want_it(self):
        start = self.last_id()
        self.stopper_lot_quarantine.with_user(self.qa_manager).write({
            'mes_release_state': 'released', 'mes_release_reason': 'CoA checked, IQC-778'})
        self.needle_lot.with_user(self.qa_manager).write({
            'mes_release_state': 'on_hold', 'mes_release_reason': 'Supplier notice'})
        events = self.events(start, event_type='lot.release_state_changed')
        self.assertEqual(len(events), 2)
        stopper, needle = events
        self.assertEqual(json.loads(stopper.data)['old_state'], 'quarantine')
        self.assertEqual(json.loads(stopper.data)['reason'], 'CoA checked, IQC-778')
        self.assert_valid(stopper)
        # the lake wants stopper lots only; the ERP everything
        self.assertEqual(stopper.delivery_ids.subscription_id, self.erp | self.lake)
        self.assertEqual(needle.delivery_ids.subscription_id, self.erp)
        # an unchanged state is no event
        self.needle_lot.with_user(self.qa_manager).write({'mes_release_state': 'on_hold'})
        self.assertEqual(len(self.events(start, event_type='lot.release_state_changed')), 2)

    def test_a_refused_change_leaves_no_event(self):
        production = self.create_production()  # not released: cannot start
        molding = self.workorders(production)[0]
        start = self.last_id()
        with self.assertRaises(UserError):
            molding.with_user(self.operator).button_start()
        self.assertFalse(self.events(start))

    def test_a_change_rolled_back_to_a_savepoint_leaves_no_event(self):
        # the kiosk applies each action in a savepoint: a refusal after the order's state
        # changed must not report a start that did not happen
        production = self.released_production()
        molding = self.workorders(production)[0]
        start = self.last_id()
        class Refused(Exception):
            pass

        for flush in (True, False):
            refused = False
            try:  # (not assertRaises: its own savepoint would hide what is tested here)
                with self.env.cr.savepoint(flush=flush):
                    molding.with_user(self.operator).button_start()
                    self.env.flush_all()
                    self.assertEqual(production.state, 'progress')
                    raise Refused()
            except Refused:
                refused = True
            self.assertTrue(refused)
            self.env.invalidate_all()
            self.assertEqual(production.state, 'confirmed')
            self.assertFalse(self.events(start), 'no event of a change rolled back')

    def test_every_type_has_a_published_schema(self):
        types = self.env['mes.event.type'].search([])
        self.assertEqual(set(types.mapped('code')), set(event_lib.EVENT_TYPES))
        for event_type in types:
            schema = json.loads(event_type.json_schema)
            jsonschema.Draft202012Validator.check_schema(schema)
            self.assertEqual(schema['properties']['type'], {'const': event_type.code})


@tagged('post_install', '-at_install', 'mes_adversarial')
class TestEventOutboxAdversarial(MesCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref('base.user_admin')
        cls.admin.group_ids |= cls.env.ref('mes_bridge.group_mes_admin')
        cls.subscription = cls.env['mes.event.subscription'].with_user(cls.admin).create({
            'name': 'ERP', 'url': 'https://erp.example.com/mes',
            'event_type_ids': [(6, 0, cls.env['mes.event.type'].search([]).ids)]})

    def an_event(self):
        self.stopper_lot_quarantine.with_user(self.qa_manager).mes_release_state = 'released'
        self.env.cr.flush()
        return self.env['mes.event'].search([], limit=1, order='id desc')

    def test_events_cannot_be_forged_changed_or_deleted(self):
        event = self.an_event()
        for user in (self.admin, self.qa_manager, self.supervisor):
            Event = self.env['mes.event'].with_user(user)
            with self.assertRaises(AccessError):
                Event.with_context(mes_emitting=True).create({
                    'uuid': 'forged', 'event_type': 'production.done', 'schema_version': 1,
                    'occurred': '2026-01-01 00:00:00', 'company_id': self.company.id,
                    'res_model': 'mrp.production', 'res_id': 1, 'ordering_key': 'x'})
            with self.assertRaises(UserError):
                event.with_user(user).write({'data': '{}'})
            with self.assertRaises(UserError):
                event.with_user(user).unlink()
        # not even the superuser changes what happened
        with self.assertRaises(UserError):
            event.sudo().write({'event_type': 'production.done'})
        with self.assertRaises(UserError):
            event.sudo().unlink()
        # an operator does not read the outbox
        with self.assertRaises(AccessError):
            event.with_user(self.operator).read(['data'])

    def test_deliveries_change_only_by_the_dispatcher_or_a_replay(self):
        delivery = self.an_event().delivery_ids
        self.assertEqual(delivery.subscription_id, self.subscription)
        for user in (self.admin, self.qa_manager):
            with self.assertRaises(AccessError):
                delivery.with_user(user).with_context(mes_dispatching=True).write(
                    {'state': 'delivered'})
        with self.assertRaises(AccessError):
            delivery.sudo().write({'state': 'delivered'})
        # only dead letters are replayed, only by an administrator or QA
        with self.assertRaises(UserError):
            delivery.with_user(self.admin).action_replay()
        delivery._mes_failed(RuntimeError('refused'), 5)
        delivery.sudo().with_context(mes_dispatching=True).write({'state': 'dead'})
        with self.assertRaises(AccessError):
            delivery.with_user(self.supervisor).action_replay()
        delivery.with_user(self.qa_manager).action_replay()
        self.assertEqual((delivery.state, delivery.attempts), ('pending', 0))
        self.assertEqual(delivery.log_ids.mapped('outcome'), ['replayed', 'failed'])
        self.assertIn(self.qa_manager.name, delivery.log_ids[0].detail)

    def test_subscriptions_are_checked_and_hold_no_secret(self):
        Subscription = self.env['mes.event.subscription'].with_user(self.admin)
        types = self.env['mes.event.type'].search([], limit=1)
        with self.assertRaises(ValidationError):
            Subscription.create({'name': 'x', 'url': 'ftp://x', 'event_type_ids': types.ids})
        with self.assertRaises(ValidationError):
            Subscription.create({'name': 'x', 'destination': 'mqtt', 'event_type_ids': types.ids})
        with self.assertRaises(ValidationError):
            Subscription.create({'name': 'x', 'destination': 'amqp', 'host': 'h',
                                 'routing_key_template': '{password}',
                                 'event_type_ids': types.ids})
        with self.assertRaises(ValidationError):
            Subscription.create({'name': 'x', 'url': 'https://x', 'extra_headers': '["a"]',
                                 'event_type_ids': types.ids})
        # only an administrator manages them; QA reads them
        with self.assertRaises(AccessError):
            self.env['mes.event.subscription'].with_user(self.qa_manager).create({
                'name': 'x', 'url': 'https://x', 'event_type_ids': types.ids})
        with self.assertRaises(AccessError):
            self.subscription.with_user(self.qa_manager).action_show_signing_key()
        # the signing key is derived, never stored; rotating changes it
        key = self.subscription._mes_signing_key()
        stored = json.dumps(self.subscription.sudo().read()[0], default=str)
        self.assertNotIn(key.decode(), stored)
        self.env.cr.execute('SELECT * FROM mes_event_subscription WHERE id = %s',
                            [self.subscription.id])
        self.assertNotIn(key.decode(), str(self.env.cr.fetchall()))
        self.subscription.with_user(self.admin).action_rotate_signing_key()
        self.assertNotEqual(self.subscription._mes_signing_key(), key)
        # the signature a receiver checks
        body = event_lib.canonical({'a': 1})
        header = event_lib.signature(key, 1_700_000_000, body)
        self.assertTrue(event_lib.verify_signature(key, header, body))
        self.assertFalse(event_lib.verify_signature(key, header, body + b' '))
        self.assertFalse(event_lib.verify_signature(b'other', header, body))
        self.assertFalse(event_lib.verify_signature(key, header, body, now=1_700_000_000 + 301))

    def test_subscription_changes_are_audited_without_their_secrets(self):
        """Requirements: A11-10"""
        self.subscription.with_user(self.admin).write({
            'url': 'https://erp2.example.com/mes', 'max_attempts': 3,
            'extra_headers': '{"X-Plant": "s3cr3t-plant"}'})
        entries = self.env['mes.audit.entry'].search([
            ('res_model', '=', 'mes.event.subscription'),
            ('res_id', '=', self.subscription.id), ('operation', '=', 'write')])
        self.assertEqual(sorted(entries.mapped('field_name')), ['max_attempts', 'url'])
        url = entries.filtered(lambda e: e.field_name == 'url')
        self.assertEqual((url.old_value, url.new_value, url.user_id),
                         ('https://erp.example.com/mes', 'https://erp2.example.com/mes',
                          self.admin))
        self.assertFalse(self.env['mes.audit.entry'].search_count(
            [('new_value', 'ilike', 's3cr3t')]))

    def test_a_context_key_does_not_make_a_pause_reason(self):
        production = self.released_production()
        molding = self.workorders(production)[0]
        molding.with_user(self.operator).button_start()
        self.env.cr.flush()
        start = self.env['mes.event'].search([], limit=1, order='id desc').id
        molding.with_user(self.operator).with_context(
            mes_pause_reason='Machine sabotaged by QA').button_pending()
        self.env.cr.flush()
        paused = self.env['mes.event'].search([('id', '>', start),
                                               ('event_type', '=', 'workorder.paused')])
        self.assertIsNone(json.loads(paused.data)['reason'])
