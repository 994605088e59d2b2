"""The event dispatcher (``python3 -m odoo ... mes_events``) as separate processes, delivering
the outbox to a real HTTP receiver started here, to Mosquitto (MQTT) and to RabbitMQ (AMQP) on
this machine, through a TCP proxy the tests cut for an outage."""
import http.server
import json
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import pika
import pytest
from paho.mqtt import client as mqtt
from tcp_proxy import TcpProxy, free_port

MQTT_PORT = 1883
AMQP_PORT = 5672


# -- the receivers --------------------------------------------------------------------------
class Receiver:
    """What a consumer saw: every message body in arrival order (duplicates included)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages = []
        self.headers = []

    raw = False  # keep the bodies as they came (a B2MML subscription's XML)

    def add(self, body, headers=None):
        with self.lock:
            self.messages.append(body if self.raw else json.loads(body))
            self.headers.append(headers or {})

    def ids(self):
        with self.lock:
            return [m['id'] for m in self.messages]


class WebhookReceiver(Receiver):
    """A real HTTP server; ``fail`` answers 500, ``slow`` answers after ``slow`` seconds (the
    message kept: a consumer that acknowledges late)."""

    def __init__(self):
        super().__init__()
        self.fail = False
        self.slow = 0.0
        self.in_flight = set()
        self.overlaps = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers['Content-Length']))
                event_id = self.headers.get('X-MES-Event-Id')
                with receiver.lock:
                    if event_id in receiver.in_flight:
                        receiver.overlaps.append(event_id)
                    receiver.in_flight.add(event_id)
                try:
                    if receiver.fail:
                        self.send_response(500)
                        self.end_headers()
                        self.wfile.write(b'down for maintenance')
                        return
                    receiver.add(body, dict(self.headers))
                    if receiver.slow:
                        time.sleep(receiver.slow)
                    self.send_response(204)
                    self.end_headers()
                finally:
                    with receiver.lock:
                        receiver.in_flight.discard(event_id)

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class MqttReceiver(Receiver):
    def __init__(self, topic_root):
        super().__init__()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                                  client_id='test-%s' % uuid.uuid4().hex[:8])
        self.client.on_message = lambda _c, _u, msg: self.add(msg.payload)
        self.client.connect('127.0.0.1', MQTT_PORT)
        self.client.subscribe('%s/#' % topic_root, qos=1)
        self.client.loop_start()
        time.sleep(0.5)

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()


class AmqpReceiver(Receiver):
    def __init__(self, exchange):
        super().__init__()
        self.connection = pika.BlockingConnection(pika.ConnectionParameters('127.0.0.1',
                                                                            AMQP_PORT))
        channel = self.connection.channel()
        channel.exchange_declare(exchange, exchange_type='topic', durable=True)
        self.queue = channel.queue_declare('', exclusive=True).method.queue
        channel.queue_bind(self.queue, exchange, routing_key='#')
        self.channel = channel
        self.stop = False
        self.thread = threading.Thread(target=self._consume, daemon=True)
        self.thread.start()

    def _consume(self):
        while not self.stop:
            method, _props, body = self.channel.basic_get(self.queue, auto_ack=True)
            if method is None:
                self.connection.sleep(0.05)
            else:
                self.add(body)

    def close(self):
        self.stop = True
        self.thread.join(5)
        self.connection.close()


# -- fixtures -------------------------------------------------------------------------------
@pytest.fixture
def subscribe(admin_env):
    """Creates a subscription (deactivating every other, so that only this test's deliveries
    are made) and returns ``(id, signing key)``; removes what it made afterwards."""
    made = []

    def make(**vals):
        def create(env):
            env['mes.event.subscription'].search([]).write({'active': False})
            types = env['mes.event.type'].search([])
            subscription = env['mes.event.subscription'].create(dict({
                'name': 'test %s' % uuid.uuid4().hex[:6], 'event_type_ids': [(6, 0, types.ids)],
                'timeout': 2, 'retry_max_interval': 2, 'max_attempts': 50}, **vals))
            return subscription.id, subscription._mes_signing_key()
        subscription_id, key = admin_env(create)
        made.append(subscription_id)
        return subscription_id, key
    yield make

    def cleanup(env):
        env['mes.event.subscription'].browse(made).write({'active': False})
    admin_env(cleanup)


def lots_changing(admin_env, lots=5, changes=4, tag=None):
    """Real business events: the release state of ``lots`` lots changed ``changes`` times
    each, interleaved, one transaction per change. Returns the event ids in order."""
    tag = tag or uuid.uuid4().hex[:6]

    def setup(env):
        product = env['product.product'].create({'name': 'Event test part %s' % tag,
                                                 'tracking': 'lot', 'is_storable': True})
        return env['stock.lot'].create([{'name': 'EVT-%s-%d' % (tag, i),
                                         'product_id': product.id} for i in range(lots)]).ids
    lot_ids = admin_env(setup)
    states = ['released', 'on_hold', 'released', 'quarantine']
    uuids = []
    for round_no in range(changes):
        for lot_id in lot_ids:
            def change(env, lot_id=lot_id, round_no=round_no):
                lot = env['stock.lot'].browse(lot_id)
                lot.write({'mes_release_state': states[round_no % len(states)],
                           'mes_release_reason': 'round %d' % round_no})
                env.cr.flush()
                return env['mes.event'].search([('ordering_key', '=', 'stock.lot,%d' % lot_id)],
                                               limit=1, order='id desc').uuid
            uuids.append(admin_env(change))
    return uuids


def dispatcher(odoo_args, duration, *extra):
    addons = odoo_args[odoo_args.index('--addons-path') + 1]
    rest = [a for i, a in enumerate(odoo_args)
            if a != '--addons-path' and (i == 0 or odoo_args[i - 1] != '--addons-path')]
    # its output goes to a file: a pipe nobody reads while it runs would fill up and block it
    log = tempfile.TemporaryFile(mode='w+')
    process = subprocess.Popen(
        [sys.executable, '-m', 'odoo', '--addons-path=%s' % addons, 'mes_events', *rest,
         '--duration', str(duration), '--poll', '0.5', '--log-level', 'warn', *extra],
        stdout=log, stderr=subprocess.STDOUT, text=True)
    process.log = log
    return process


def finish(process):
    process.wait(timeout=300)
    process.log.seek(0)
    output = process.log.read()
    process.log.close()
    assert process.returncode == 0, output[-3000:]
    return output


def deliveries(admin_env, subscription_id):
    return admin_env(lambda env: {
        d.event_id.uuid: (d.state, d.attempts) for d in env['mes.event.delivery'].search(
            [('subscription_id', '=', subscription_id)])})


def wait_delivered(admin_env, subscription_id, count, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        states = deliveries(admin_env, subscription_id)
        if len(states) >= count and all(s == 'delivered' for s, _a in states.values()):
            return states
        time.sleep(0.5)
    pytest.fail('not delivered in %ss: %s' % (seconds, deliveries(admin_env, subscription_id)))


def deliver_all(admin_env, odoo_args, subscription_id, count, receiver, duration=60):
    """Run a dispatcher until the subscription's ``count`` deliveries are made, then stop it
    and the receiver."""
    process = dispatcher(odoo_args, duration)
    try:
        wait_delivered(admin_env, subscription_id, count)
    finally:
        process.send_signal(signal.SIGINT)
        finish(process)
        receiver.close()


def assert_in_order_without_gaps(messages, expected_ids):
    """Every expected event at least once; per record, first arrivals in outbox order."""
    seen = [m['id'] for m in messages]
    assert set(expected_ids) <= set(seen), 'gaps: %s' % (set(expected_ids) - set(seen))
    first = {}
    for message in messages:
        first.setdefault(message['id'], message)
    by_record = {}
    for message in sorted(first.values(), key=lambda m: seen.index(m['id'])):
        key = (message['subject']['model'], message['subject']['id'])
        by_record.setdefault(key, []).append(message['sequence'])
    for key, sequences in by_record.items():
        assert sequences == sorted(sequences), 'out of order for %s: %s' % (key, sequences)


# -- the tests ------------------------------------------------------------------------------
def test_every_event_type_reaches_a_webhook_signed(admin_env, odoo_args, subscribe):
    import jsonschema

    from odoo.addons.mes_bridge.lib import events as event_lib
    receiver = WebhookReceiver()
    subscription_id, key = subscribe(url='http://127.0.0.1:%d/mes' % receiver.port,
                                     extra_headers='{"X-Plant": "SZ-1"}')

    def emit_every_type(env):
        # real actions where one call makes the event: an exception raised and signed off,
        # a lot released
        production = env['mrp.production'].search([('mes_release_date', '!=', False)], limit=1)
        supervisor = env.ref('mes_bridge.user_supervisor')
        exception = env['mes.exception']._mes_raise(
            production, 'other', 'Event test: label smudged', severity='minor', source='manual')
        outcome = exception.with_user(supervisor).action_disposition(
            'use_as_is', 'Legible after cleaning', supervisor.login, 'supervisor')
        assert outcome['signed'], outcome
        part = env['product.product'].create({'name': 'Event test resin', 'tracking': 'lot',
                                              'is_storable': True})
        lot = env['stock.lot'].create({'name': 'EVT-%s' % uuid.uuid4().hex[:6],
                                       'product_id': part.id})
        lot.write({'mes_release_state': 'released', 'mes_release_reason': 'CoA checked'})
        # the others with the data of a real order of the demo plant (their own flows are
        # tested in the addon's tests)
        workorder = production.workorder_ids[:1]
        step = env['mes.step.execution'].search([('state', '=', 'done')], limit=1)
        Event = env['mes.event']
        for event_type in ('production.released', 'production.started', 'production.done'):
            Event._mes_emit(event_type, production, production._mes_event_data())
        for event_type in ('workorder.started', 'workorder.done'):
            Event._mes_emit(event_type, workorder, workorder._mes_event_data())
        Event._mes_emit('workorder.paused', workorder, dict(workorder._mes_event_data(),
                                                            reason='Hopper empty'))
        Event._mes_emit('step.recorded', step, step._mes_event_data())
        # quality's and equipment's types, with the data of real records of the demo plant
        for event_type, model, domain in (
                ('inspection.decided', 'mes.inspection', [('state', '=', 'decided')]),
                ('nonconformance.state_changed', 'mes.nonconformance', []),
                ('capa.stage_changed', 'mes.capa', []),
                ('production_record.released', 'mes.production.record', []),
                ('production_record.rejected', 'mes.production.record', [])):
            record = env[model].search(domain, limit=1)
            assert record, 'the demo plant has a %s' % model
            Event._mes_emit(event_type, record, record._mes_event_data(None))
        period = env['mes.equipment.state.period'].search([], limit=1)
        Event._mes_emit('equipment.state_changed', period.equipment_id,
                        period._mes_event_data())
        # a checkpoint of the audit trail, signed and published as the application does
        env['mes.audit.checkpoint']._mes_write('on_demand', 'event dispatch test')
        env.cr.flush()
        events = env['mes.event.delivery'].search(
            [('subscription_id', '=', subscription_id)]).event_id
        return {e.uuid: json.loads(env['mes.event.type'].search(
            [('code', '=', e.event_type)]).json_schema) for e in events}
    schemas = admin_env(emit_every_type)
    assert len(schemas) == len(event_lib.EVENT_TYPES)
    assert {schema['title'] for schema in schemas.values()} == set(event_lib.EVENT_TYPES)
    deliver_all(admin_env, odoo_args, subscription_id, len(schemas), receiver)
    assert sorted(receiver.ids()) == sorted(schemas)
    for message, headers in zip(receiver.messages, receiver.headers):
        body = event_lib.canonical(message)
        assert event_lib.verify_signature(key, headers['X-MES-Signature'], body,
                                          now=time.time())
        assert headers['X-MES-Event-Id'] == message['id']
        assert headers['X-Plant'] == 'SZ-1'
        jsonschema.validate(message, schemas[message['id']],
                            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    # each delivery logged once, delivered at the first attempt
    logs = admin_env(lambda env: env['mes.event.delivery'].search(
        [('subscription_id', '=', subscription_id)]).log_ids.mapped('outcome'))
    assert logs == ['delivered'] * len(schemas)


@pytest.mark.parametrize('destination', ['webhook', 'mqtt', 'amqp'])
def test_a_30_second_outage_loses_nothing_and_keeps_the_order(admin_env, odoo_args, subscribe,
                                                             destination):
    tag = uuid.uuid4().hex[:8]
    if destination == 'webhook':
        receiver = WebhookReceiver()
        proxy = TcpProxy(receiver.port)
        subscription_id, _key = subscribe(url='http://127.0.0.1:%d/mes' % proxy.port)
    elif destination == 'mqtt':
        receiver = MqttReceiver('mes-test-%s' % tag)
        proxy = TcpProxy(MQTT_PORT)
        subscription_id, _key = subscribe(destination='mqtt', host='127.0.0.1',
                                          port=proxy.port,
                                          topic_template='mes-test-%s/{type}/{id}' % tag)
    else:
        exchange = 'mes.test.%s' % tag
        receiver = AmqpReceiver(exchange)
        proxy = TcpProxy(AMQP_PORT)
        subscription_id, _key = subscribe(destination='amqp', host='127.0.0.1',
                                          port=proxy.port, exchange=exchange)
    process = dispatcher(odoo_args, 150)
    try:
        expected = lots_changing(admin_env, lots=4, changes=2, tag=tag)
        time.sleep(3)
        proxy.cut()
        # the plant keeps working during the outage: more events queue up
        expected += lots_changing(admin_env, lots=4, changes=3, tag=tag + 'b')
        time.sleep(30)
        proxy.restore()
        expected += lots_changing(admin_env, lots=2, changes=2, tag=tag + 'c')
        wait_delivered(admin_env, subscription_id, len(expected), seconds=100)
        time.sleep(1)
    finally:
        process.send_signal(signal.SIGINT)
        output = finish(process)
        proxy.close()
        receiver.close()
    states = deliveries(admin_env, subscription_id)
    assert any(attempts > 1 for _state, attempts in states.values()), \
        'the outage was seen by the dispatcher:\n' + output[-2000:]
    assert_in_order_without_gaps(receiver.messages, expected)


def test_a_consumer_that_acknowledges_late_gets_duplicates_never_gaps(admin_env, odoo_args,
                                                                     subscribe):
    receiver = WebhookReceiver()
    receiver.slow = 3.0  # longer than the subscription's 2 s timeout: the sender retries
    subscription_id, _key = subscribe(url='http://127.0.0.1:%d/mes' % receiver.port)
    process = dispatcher(odoo_args, 120)
    try:
        expected = lots_changing(admin_env, lots=2, changes=2)
        time.sleep(8)
        receiver.slow = 0.0
        wait_delivered(admin_env, subscription_id, len(expected), seconds=90)
    finally:
        process.send_signal(signal.SIGINT)
        finish(process)
        receiver.close()
    ids = receiver.ids()
    assert len(ids) > len(set(ids)), 'a late acknowledgement makes duplicates'
    assert_in_order_without_gaps(receiver.messages, expected)


def test_dead_letters_wait_for_a_replay(admin_env, odoo_args, subscribe):
    receiver = WebhookReceiver()
    receiver.fail = True
    subscription_id, _key = subscribe(url='http://127.0.0.1:%d/mes' % receiver.port,
                                      max_attempts=2, retry_max_interval=1)
    expected = lots_changing(admin_env, lots=1, changes=2)
    process = dispatcher(odoo_args, 15)
    finish(process)
    states = deliveries(admin_env, subscription_id)
    assert {state for state, _a in states.values()} == {'dead'}, states
    assert all(attempts == 2 for _state, attempts in states.values())
    assert not receiver.messages

    def replay(env):
        qa = env['res.users'].search([('group_ids', 'in', env.ref(
            'mes_bridge.group_mes_quality_manager').id)], limit=1)
        env['mes.event.delivery'].with_user(qa).search([
            ('subscription_id', '=', subscription_id), ('state', '=', 'dead')]).action_replay()
    receiver.fail = False
    admin_env(replay)
    process = dispatcher(odoo_args, 30)
    try:
        wait_delivered(admin_env, subscription_id, len(expected))
    finally:
        process.send_signal(signal.SIGINT)
        finish(process)
        receiver.close()
    assert_in_order_without_gaps(receiver.messages, expected)
    logs = admin_env(lambda env: sorted(env['mes.event.delivery'].search(
        [('subscription_id', '=', subscription_id)]).log_ids.mapped('outcome')))
    assert logs == sorted(['failed'] * 4 + ['replayed'] * 2 + ['delivered'] * 2)


def test_two_dispatchers_never_deliver_one_event_twice_at_once(admin_env, odoo_args, subscribe):
    receiver = WebhookReceiver()
    receiver.slow = 0.1
    subscription_id, _key = subscribe(url='http://127.0.0.1:%d/mes' % receiver.port)
    expected = lots_changing(admin_env, lots=20, changes=5)
    first = dispatcher(odoo_args, 40, '--batch', '7')
    second = dispatcher(odoo_args, 40, '--batch', '7')
    try:
        wait_delivered(admin_env, subscription_id, len(expected))
    finally:
        for process in (first, second):
            process.send_signal(signal.SIGINT)
        outputs = [finish(process) for process in (first, second)]
        receiver.close()
    counts = [int(out.rsplit('attempted=', 1)[1].split()[0]) for out in outputs]
    assert sum(counts) == len(expected) and all(counts), (counts, [o[-3000:] for o in outputs])
    assert not receiver.overlaps
    assert sorted(receiver.ids()) == sorted(expected), 'each event exactly once'
    assert_in_order_without_gaps(receiver.messages, expected)


def test_a_b2mml_subscription_receives_valid_signed_sync_messages(admin_env, odoo_args,
                                                                  subscribe):
    """Lot release changes reach a B2MML webhook as SyncMaterialLot documents, signed, each
    valid against the B2MML v7 schemas, in order per lot."""
    from lxml import etree

    from odoo.addons.mes_bridge.lib import b2mml
    from odoo.addons.mes_bridge.lib import events as event_lib

    receiver = WebhookReceiver()
    receiver.raw = True
    types = admin_env(lambda env: env['mes.event.type'].search(
        [('code', '=', 'lot.release_state_changed')]).ids)
    subscription_id, key = subscribe(url='http://127.0.0.1:%d/b2mml' % receiver.port,
                                     message_format='b2mml', event_type_ids=[(6, 0, types)])
    expected = lots_changing(admin_env, lots=2, changes=3)
    deliver_all(admin_env, odoo_args, subscription_id, len(expected), receiver)
    bodies = {}
    for body, headers in zip(receiver.messages, receiver.headers):
        assert headers['Content-Type'] == 'application/xml'
        assert event_lib.verify_signature(key, headers[event_lib.SIGNATURE_HEADER], body)
        root = etree.fromstring(body)
        b2mml.validate(root)
        assert etree.QName(root).localname == 'SyncMaterialLot'
        bodies.setdefault(headers['X-MES-Event-Id'], root)
    assert set(bodies) == set(expected)
    # the BODID is the event ID (the consumer's dedupe key); per lot, the changes in order
    ns = {'b': b2mml.NS}
    for event_id, root in bodies.items():
        assert root.findtext('.//b:BODID', namespaces=ns) == event_id
    recorded = admin_env(lambda env: [
        (event.subject_name, json.loads(event.data)['new_state'], event.uuid)
        for event in env['mes.event'].search([('uuid', 'in', expected)], order='id')])
    sent = [(bodies[uuid_].findtext('.//b:MaterialLot/b:ID', namespaces=ns),
             bodies[uuid_].findtext('.//b:StateChange/b:ToStateCode', namespaces=ns), uuid_)
            for _lot, _state, uuid_ in recorded]
    assert [state for _lot, state, _id in sent] == [state for _lot, state, _id in recorded]
    assert len({lot for lot, _state, _id in sent}) == 2
