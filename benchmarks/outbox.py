#!/usr/bin/env python3
"""The event outbox under load: 50,000 events delivered to RabbitMQ (publisher confirms) and to
Mosquitto (MQTT QoS 1) by the ``mes_events`` dispatcher, against the bare client libraries
publishing the same payloads, in the same run.

Standalone, one run, database ``mes_bench_outbox`` (created here with mes_bridge); the brokers
this machine runs on their standard ports (RabbitMQ 5672, Mosquitto 1883).

1. **Throughput**: ``--events`` lot release-state changes (real business events, written through
   the ORM in transactions of 500, spread over 5,000 lots) are committed, then ``--dispatchers``
   dispatcher processes deliver them to one AMQP and one MQTT subscription; consumers on both
   brokers count what arrives. events/s = events delivered to both / seconds from the start of
   the dispatchers to the last message received.
2. **Latency**: a steady stream (``--rate`` events/s for ``--stream-seconds``) with the
   dispatchers running: commit-to-broker latency = time the consumer received a message - time
   its transaction committed; p50 / p95.
3. **Baseline**: the same 50,000 payloads published by ``pika`` (confirms) and ``paho-mqtt``
   (QoS 1, waiting for each PUBACK batch) from one process, without a database.

    python3 benchmarks/outbox.py [--events 50000] [--dispatchers 2] [--rate 200]

Targets (issue 14): p95 commit-to-broker latency under 1 s; lost = 0.
``ratio`` = our throughput / the bare libraries'.
"""
import argparse
import json
import os
import subprocess
import sys
import threading
import time
import uuid

from _odoo_bench import ROOT, addons_path, db_args, fresh_database, open_registry

DB = 'mes_bench_outbox'
LOTS = 5000
BATCH = 500


class Consumer:
    """Counts messages per event id with the time each first arrived."""

    def __init__(self):
        self.lock = threading.Lock()
        self.first = {}
        self.total = 0

    def got(self, body):
        now = time.time()
        event_id = json.loads(body)['id']
        with self.lock:
            self.total += 1
            self.first.setdefault(event_id, now)


class AmqpConsumer(Consumer):
    def __init__(self, exchange):
        import pika
        super().__init__()
        self.connection = pika.BlockingConnection(pika.ConnectionParameters('127.0.0.1'))
        channel = self.connection.channel()
        channel.exchange_declare(exchange, exchange_type='topic', durable=True)
        queue = channel.queue_declare('', exclusive=True).method.queue
        channel.queue_bind(queue, exchange, routing_key='#')
        channel.basic_qos(prefetch_count=1000)
        channel.basic_consume(queue, lambda ch, method, _p, body: (
            self.got(body), ch.basic_ack(method.delivery_tag)))
        self.channel = channel
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            self.channel.start_consuming()
        except Exception:  # noqa: BLE001 - stopped at the end of the run
            pass

    def close(self):
        self.connection.add_callback_threadsafe(self.channel.stop_consuming)
        self.thread.join(10)


class MqttConsumer(Consumer):
    def __init__(self, root):
        from paho.mqtt import client as mqtt
        super().__init__()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                                  client_id='bench-%s' % uuid.uuid4().hex[:8])
        self.client.on_message = lambda _c, _u, msg: self.got(msg.payload)
        self.client.max_inflight_messages_set(1000)
        self.client.connect('127.0.0.1', 1883)
        self.client.subscribe('%s/#' % root, qos=1)
        self.client.loop_start()
        time.sleep(0.5)

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()


def setup(tag):
    from odoo import SUPERUSER_ID, api
    registry = open_registry(DB)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        product = env['product.product'].create({'name': 'Bench resin', 'tracking': 'lot',
                                                 'is_storable': True})
        lot_ids = env['stock.lot'].create([{'name': 'BENCH-%05d' % i, 'product_id': product.id}
                                           for i in range(LOTS)]).ids
        types = env['mes.event.type'].search([('code', '=', 'lot.release_state_changed')])
        env['mes.event.subscription'].create([{
            'name': 'Bench RabbitMQ', 'destination': 'amqp', 'host': '127.0.0.1',
            'exchange': 'mes.bench.%s' % tag, 'event_type_ids': [(6, 0, types.ids)]}, {
            'name': 'Bench Mosquitto', 'destination': 'mqtt', 'host': '127.0.0.1',
            'topic_template': 'mes-bench-%s/{type}/{id}' % tag,
            'event_type_ids': [(6, 0, types.ids)]}])
        cr.commit()
    return registry, lot_ids


def make_events(registry, lot_ids, count, start_index=0, batch=BATCH):
    """``count`` release-state changes, committed in transactions of ``batch``; returns
    {event uuid: commit time}."""
    from odoo import SUPERUSER_ID, api
    committed = {}
    states = ('released', 'on_hold', 'quarantine')
    done = 0
    while done < count:
        size = min(batch, count - done)
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            Lot = env['stock.lot']
            first = env['mes.event'].search([], limit=1, order='id desc').id or 0
            for offset in range(size):
                index = start_index + done + offset
                Lot.browse(lot_ids[index % len(lot_ids)]).write({
                    'mes_release_state': states[(index // len(lot_ids)) % len(states)]})
            cr.flush()
            uuids = env['mes.event'].search([('id', '>', first)]).mapped('uuid')
            cr.commit()
        now = time.time()
        committed.update(dict.fromkeys(uuids, now))
        done += size
    return committed


def start_dispatchers(count):
    return [subprocess.Popen(
        [sys.executable, '-m', 'odoo', '--addons-path=' + addons_path(), 'mes_events', '-d', DB,
         '--poll', '0.2', '--log-level', 'warn'] + db_args(), cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(count)]


def stop(processes):
    import signal
    for process in processes:
        process.send_signal(signal.SIGINT)
    for process in processes:
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_all(consumers, ids, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(len(ids.keys() & c.first.keys()) == len(ids) for c in consumers):
            return True
        time.sleep(0.2)
    return False


def baseline(payloads, tag):
    """The bare libraries publishing the same messages: pika with confirms, paho QoS 1."""
    import pika
    from paho.mqtt import client as mqtt
    connection = pika.BlockingConnection(pika.ConnectionParameters('127.0.0.1'))
    channel = connection.channel()
    exchange = 'mes.bench.base.%s' % tag
    channel.exchange_declare(exchange, exchange_type='topic', durable=True)
    queue = channel.queue_declare('', exclusive=True).method.queue
    channel.queue_bind(queue, exchange, routing_key='#')
    channel.confirm_delivery()
    start = time.monotonic()
    for body in payloads:
        channel.basic_publish(exchange, 'lot', body, properties=pika.BasicProperties(
            delivery_mode=2, content_type='application/json'), mandatory=True)
    amqp_s = time.monotonic() - start
    connection.close()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id='bench-base')
    client.max_inflight_messages_set(1000)
    client.connect('127.0.0.1', 1883)
    client.loop_start()
    start = time.monotonic()
    infos = [client.publish('mes-bench-base-%s/lot' % tag, body, qos=1) for body in payloads]
    for info in infos:
        info.wait_for_publish(60)
    mqtt_s = time.monotonic() - start
    client.loop_stop()
    client.disconnect()
    return amqp_s, mqtt_s


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--events', type=int, default=50000)
    parser.add_argument('--dispatchers', type=int, default=2)
    parser.add_argument('--rate', type=float, default=200, help='events/s of the stream')
    parser.add_argument('--stream-seconds', type=float, default=20)
    args = parser.parse_args()
    tag = uuid.uuid4().hex[:8]
    fresh_database(DB, 'mes_bridge')
    registry, lot_ids = setup(tag)
    amqp, mqtt_consumer = AmqpConsumer('mes.bench.%s' % tag), MqttConsumer('mes-bench-%s' % tag)
    consumers = [amqp, mqtt_consumer]
    try:
        # 1. throughput
        begin = time.monotonic()
        committed = make_events(registry, lot_ids, args.events)
        print('# %d events committed in %.1f s' % (len(committed), time.monotonic() - begin))
        dispatchers = start_dispatchers(args.dispatchers)
        begin = time.monotonic()
        complete = wait_all(consumers, committed, 3600)
        elapsed = time.monotonic() - begin
        throughput = len(committed) / elapsed
        lost = sum(len(committed.keys() - c.first.keys()) for c in consumers)
        duplicates = sum(c.total - len(c.first) for c in consumers)
        print('# throughput: %d events to RabbitMQ and MQTT each in %.1f s (%.0f events/s, '
              '%d dispatcher(s)); lost %d, duplicates %d%s' % (
                  len(committed), elapsed, throughput, args.dispatchers, lost, duplicates,
                  '' if complete else ' (INCOMPLETE)'))
        # 2. latency, dispatchers running
        stream = {}
        interval = 50 / args.rate  # transactions of 50 events
        end = time.monotonic() + args.stream_seconds
        index = args.events
        while time.monotonic() < end:
            tick = time.monotonic()
            stream.update(make_events(registry, lot_ids, 50, index, batch=50))
            index += 50
            time.sleep(max(0.0, interval - (time.monotonic() - tick)))
        complete_stream = wait_all(consumers, stream, 120)
        latencies = [c.first[i] - t for c in consumers for i, t in stream.items() if i in c.first]
        lost += sum(len(stream.keys() - c.first.keys()) for c in consumers)
        p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
        print('# latency, %d events at %.0f/s: commit to broker p50 %.0f ms, p95 %.0f ms%s' % (
            len(stream), len(stream) / args.stream_seconds, p50 * 1000, p95 * 1000,
            '' if complete_stream else ' (INCOMPLETE)'))
        stop(dispatchers)
    finally:
        for consumer in consumers:
            consumer.close()
    # 3. baseline: the same messages, bare libraries
    from odoo import SUPERUSER_ID, api
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        from odoo.addons.mes_bridge.lib import events as event_lib
        payloads = [event_lib.canonical(e._mes_message()) for e in env['mes.event'].search(
            [('uuid', 'in', list(committed))])]
    amqp_s, mqtt_s = baseline(payloads, tag)
    # to both brokers, one after the other (ours delivers to both too)
    base = len(payloads) / (amqp_s + mqtt_s)
    print('# baseline: pika with confirms %.0f msg/s, paho QoS 1 %.0f msg/s (%d messages each)'
          % (len(payloads) / amqp_s, len(payloads) / mqtt_s, len(payloads)))
    print('# target: p95 < 1 s %s; lost %d' % ('met' if p95 < 1 else 'MISSED', lost))
    print('RESULT name=outbox events=%d events_per_s=%.0f p50_ms=%.0f p95_ms=%.0f lost=%d '
          'baseline_events_per_s=%.0f ratio=%.2f' % (
              len(committed), throughput, p50 * 1000, p95 * 1000, lost, base, throughput / base))


if __name__ == '__main__':
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
