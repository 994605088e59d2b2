#!/usr/bin/env python3
"""OPC UA ingestion: values per second the collector persists end to end, against the raw
rate a bare asyncua client receives the same notifications, in one run.

Standalone: creates database ``mes_bench_opcua`` with mes_equipment, starts the simulator
with ``--values`` changing values (``--rate`` changes per second each), then
1. baseline: a bare asyncua client subscribes to the same nodes for ``--seconds`` and counts
   notifications;
2. ours: the ``mes_opcua`` collector (separate process, as in production) runs for the same
   time; stored rows are counted in PostgreSQL; the end-to-end latency is sampled every
   100 ms during the run as the age of the newest stored value (now minus its source time:
   the simulators run on this machine's clock).

``--simulators N`` starts N simulator processes (one OPC UA server each, ``--values`` nodes
each) for a source faster than one Python simulator; the baseline then sums N bare clients.

    python3 benchmarks/opcua_ingest.py [--values 200] [--rate 10] [--seconds 20] [--simulators 1]

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
import time

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
    parser.add_argument('--simulators', type=int, default=1)
    args = parser.parse_args()
    period_ms = max(int(1000 / args.rate / 2), 20)

    fresh_database(DB, modules='mes_equipment')
    registry = open_registry(DB)
    from odoo import SUPERUSER_ID, api
    ports = [free_port() for _n in range(args.simulators)]
    urls = ['opc.tcp://127.0.0.1:%d/mes-sim/' % port for port in ports]
    node_ids = ['ns=2;s=BENCH.V%d' % i for i in range(args.values)]
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        equipment = env['maintenance.equipment'].create({'name': 'Bench machine'})
        for index, url in enumerate(urls):
            server = env['mes.opcua.server'].create({'name': 'Bench simulator %d' % index,
                                                     'endpoint_url': url, 'shard': 'bench'})
            env['mes.opcua.tag'].create([
                {'server_id': server.id, 'equipment_id': equipment.id, 'name': 'V%d' % i,
                 'node_id': node_id, 'meaning': 'parameter', 'sampling_interval': period_ms}
                for i, node_id in enumerate(node_ids)])
        cr.commit()

    simulators = [subprocess.Popen([sys.executable, SIMULATOR, '--port', str(port), '--rate',
                                    str(args.rate), '--extra', str(args.values)],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                  for port in ports]
    ages = []
    try:
        for simulator in simulators:
            while 'SIMULATOR READY' not in simulator.stdout.readline():
                pass
            threading.Thread(target=simulator.stdout.read, daemon=True).start()

        async def all_clients():
            return await asyncio.gather(*[bare_client(url, node_ids, args.seconds, period_ms)
                                          for url in urls])
        raw_rate = sum(asyncio.run(all_clients()))
        print('# baseline: bare asyncua clients received %.0f values/s (%d simulator(s) x %d '
              'values x %.0f/s published)' % (raw_rate, args.simulators, args.values, args.rate))

        stop = threading.Event()

        def sample_latency():
            import psycopg2
            conn = psycopg2.connect(dbname=DB, host=os.environ.get('PGHOST', '127.0.0.1'),
                                    port=os.environ.get('PGPORT', '5432'),
                                    user=os.environ.get('PGUSER') or None,
                                    password=os.environ.get('PGPASSWORD') or None)
            conn.autocommit = True
            began = time.monotonic()
            with conn.cursor() as cr:
                while not stop.is_set():
                    cr.execute("SELECT EXTRACT(EPOCH FROM (now() AT TIME ZONE 'utc') - "
                               "max(source_ts)) FROM mes_process_value_data WHERE source_ts > "
                               "(now() AT TIME ZONE 'utc') - interval '1 minute'")
                    age = cr.fetchone()[0]
                    # the steady part: after the first 4 s (connection, initial values)
                    if age is not None and time.monotonic() - began > 4:
                        ages.append(float(age))
                    time.sleep(0.1)
            conn.close()
        sampler = threading.Thread(target=sample_latency, daemon=True)
        sampler.start()
        with tempfile.TemporaryDirectory() as spool:
            collector = subprocess.run(
                [sys.executable, '-m', 'odoo', '--addons-path=' + addons_path(), 'mes_opcua',
                 '-d', DB, '--shard', 'bench', '--spool-dir', spool, '--duration',
                 str(args.seconds + 4), '--log-level', 'warn'] + db_args(),
                capture_output=True, text=True, timeout=args.seconds + 120)
            assert collector.returncode == 0, collector.stdout[-2000:] + collector.stderr[-2000:]
        stop.set()
        sampler.join()
        print('# collector: %s' % collector.stdout.strip().splitlines()[-1])
    finally:
        for simulator in simulators:
            simulator.kill()
            simulator.wait()

    with registry.cursor() as cr:
        # the steady window: skip the first 2 s (connection, initial values) and the last 2 s
        cr.execute("""
            WITH bounds AS (SELECT min(source_ts) + interval '2 seconds' AS a,
                                   max(source_ts) - interval '2 seconds' AS b
                              FROM mes_process_value)
            SELECT count(*), EXTRACT(EPOCH FROM (max(b) - max(a)))
              FROM mes_process_value, bounds
             WHERE source_ts BETWEEN bounds.a AND bounds.b
        """)
        rows, window = cr.fetchone()
        cr.execute('SELECT count(*), count(DISTINCT (tag_id, source_ts)) FROM mes_process_value')
        total, distinct = cr.fetchone()
    ages.sort()
    p50 = ages[len(ages) // 2] if ages else float('nan')
    p95 = ages[int(len(ages) * 0.95)] if ages else float('nan')
    assert total == distinct
    ours = rows / float(window)
    print('# collector stored %.0f values/s in PostgreSQL over a %.0f s steady window; '
          'age of the newest stored value p50 %.2f s, p95 %.2f s; %d rows, no duplicates' % (
              ours, window, p50, p95, total))
    print('RESULT name=opcua_ingest simulators=%d values=%d rate_hz=%.0f raw_values_per_s=%.0f '
          'stored_values_per_s=%.0f latency_p50_s=%.2f latency_p95_s=%.2f ratio=%.2f' % (
              args.simulators, args.values, args.rate, raw_rate, ours, p50, p95,
              ours / raw_rate))


if __name__ == '__main__':
    main()
