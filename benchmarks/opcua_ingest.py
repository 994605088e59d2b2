#!/usr/bin/env python3
"""OPC UA ingestion: values per second the collector persists end to end, against the raw
rate a bare asyncua client receives the same notifications, in one run.

Standalone: creates database ``mes_bench_opcua`` with mes_equipment, starts the simulator
with ``--values`` changing values (``--rate`` changes per second each), then
1. baseline: a bare asyncua client subscribes to the same nodes for ``--seconds`` and counts
   notifications;
2. ours: the ``mes_opcua`` collector (separate process, as in production) runs for the same
   time; stored rows are counted in PostgreSQL and the end-to-end latency (stored time minus
   source time) is taken from them.

    python3 benchmarks/opcua_ingest.py [--values 200] [--rate 10] [--seconds 20]

Target (issue 5): collector >= 0.8x the raw rate, latency p95 < 2 s.
"""
import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import threading

from _odoo_bench import ROOT, addons_path, db_args, fresh_database, open_registry

DB = 'mes_bench_opcua'
SIMULATOR = os.path.join(ROOT, 'addons', 'mes_equipment', 'lib', 'opcua_simulator.py')


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


async def bare_client(url, node_ids, seconds, period_ms):
    from asyncua import Client
    counted = {'n': 0, 'counting': False}

    class Handler:
        def datachange_notification(self, node, value, data):
            if counted['counting']:
                counted['n'] += 1

    async with Client(url, timeout=10) as client:
        subscription = await client.create_subscription(period_ms, Handler())
        await subscription.subscribe_data_change([client.get_node(n) for n in node_ids],
                                                 sampling_interval=period_ms)
        await asyncio.sleep(2)  # initial values out of the way
        counted['counting'] = True
        await asyncio.sleep(seconds)
        counted['counting'] = False
    return counted['n'] / seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--values', type=int, default=200)
    parser.add_argument('--rate', type=float, default=10.0)
    parser.add_argument('--seconds', type=float, default=20.0)
    args = parser.parse_args()
    period_ms = max(int(1000 / args.rate / 2), 20)

    fresh_database(DB, modules='mes_equipment')
    registry = open_registry(DB)
    from odoo import SUPERUSER_ID, api
    port = free_port()
    url = 'opc.tcp://127.0.0.1:%d/mes-sim/' % port
    node_ids = ['ns=2;s=BENCH.V%d' % i for i in range(args.values)]
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        equipment = env['maintenance.equipment'].create({'name': 'Bench machine'})
        server = env['mes.opcua.server'].create({'name': 'Bench simulator',
                                                 'endpoint_url': url, 'shard': 'bench'})
        env['mes.opcua.tag'].create([
            {'server_id': server.id, 'equipment_id': equipment.id, 'name': 'V%d' % i,
             'node_id': node_id, 'meaning': 'parameter', 'sampling_interval': period_ms}
            for i, node_id in enumerate(node_ids)])
        cr.commit()

    simulator = subprocess.Popen([sys.executable, SIMULATOR, '--port', str(port), '--rate',
                                  str(args.rate), '--extra', str(args.values)],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        while 'SIMULATOR READY' not in simulator.stdout.readline():
            pass
        threading.Thread(target=simulator.stdout.read, daemon=True).start()
        raw_rate = asyncio.run(bare_client(url, node_ids, args.seconds, period_ms))
        print('# baseline: bare asyncua client received %.0f values/s (%d values x %.0f/s '
              'published)' % (raw_rate, args.values, args.rate))

        with tempfile.TemporaryDirectory() as spool:
            collector = subprocess.run(
                [sys.executable, '-m', 'odoo', '--addons-path=' + addons_path(), 'mes_opcua',
                 '-d', DB, '--shard', 'bench', '--spool-dir', spool, '--duration',
                 str(args.seconds + 4), '--log-level', 'warn'] + db_args(),
                capture_output=True, text=True, timeout=args.seconds + 120)
            assert collector.returncode == 0, collector.stdout[-2000:] + collector.stderr[-2000:]
        print('# collector: %s' % collector.stdout.strip().splitlines()[-1])
    finally:
        simulator.kill()
        simulator.wait()

    with registry.cursor() as cr:
        # the steady window: skip the first 2 s (connection, initial values) and the last 2 s
        cr.execute("""
            WITH bounds AS (SELECT min(source_ts) + interval '2 seconds' AS a,
                                   max(source_ts) - interval '2 seconds' AS b
                              FROM mes_process_value)
            SELECT count(*), EXTRACT(EPOCH FROM (max(b) - max(a))),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM written_ts - source_ts)),
                   percentile_cont(0.95) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM written_ts - source_ts))
              FROM mes_process_value, bounds
             WHERE source_ts BETWEEN bounds.a AND bounds.b
        """)
        rows, window, p50, p95 = cr.fetchone()
        cr.execute('SELECT count(*), count(DISTINCT (tag_id, source_ts)) FROM mes_process_value')
        total, distinct = cr.fetchone()
    assert total == distinct
    ours = rows / float(window)
    print('# collector stored %.0f values/s in PostgreSQL over a %.0f s steady window; '
          'latency p50 %.2f s, p95 %.2f s; %d rows, no duplicates' % (
              ours, window, p50, p95, total))
    print('RESULT name=opcua_ingest values=%d rate_hz=%.0f raw_values_per_s=%.0f '
          'stored_values_per_s=%.0f latency_p50_s=%.2f latency_p95_s=%.2f ratio=%.2f' % (
              args.values, args.rate, raw_rate, ours, p50, p95, ours / raw_rate))


if __name__ == '__main__':
    main()
