#!/usr/bin/env python3
"""Ten kill -9 / restart cycles of the OPC UA collector against the simulator: what the
server produced, what was stored (live and backfilled from the server's history) and the
gaps recorded; nothing may be lost silently.

The simulator keeps ``--history`` values per node (default 60: six seconds at 10 changes/s),
so that short outages are read back whole and longer ones only in part, the rest recorded as
gaps. Each cycle: the collector runs until it stores new data and a few seconds more, is
killed (SIGKILL), and is restarted after ``--down`` seconds (alternating short and long).

Standalone, one run, database ``mes_bench_crashes`` (created here with mes_equipment).

    python3 benchmarks/collector_crashes.py [--cycles 10] [--history 60]

Per tag, over the time the collector covered (its first to its last stored value):
produced = the simulator's changes (its tick log); stored = values in mes_process_value,
of which backfilled; in gaps = changes inside a recorded gap; lost silently = produced -
stored - in gaps (0 expected). ``ratio`` = (stored + in gaps) / produced.
"""
import argparse
import datetime
import os
import signal
import subprocess
import sys
import tempfile
import time

from _odoo_bench import ROOT, addons_path, db_args, fresh_database, open_registry

DB = 'mes_bench_crashes'
SIMULATOR = os.path.join(ROOT, 'addons', 'mes_equipment', 'lib', 'opcua_simulator.py')
PORT = 4877
# values the simulator changes on every tick (GoodCount stays put on a reject: no change to
# report, so it is left out of a count of changes)
TAGS = ['BarrelTemp', 'InjectionPressure', 'TotalCount']


def setup():
    from odoo import SUPERUSER_ID, api
    with open_registry(DB).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        equipment = env['maintenance.equipment'].create({'name': 'Crash bench IMM'})
        server = env['mes.opcua.server'].create({
            'name': 'Crash bench simulator', 'shard': 'crashes',
            'endpoint_url': 'opc.tcp://127.0.0.1:%d/mes-sim/' % PORT})
        tags = env['mes.opcua.tag'].create([{
            'server_id': server.id, 'name': name, 'equipment_id': equipment.id,
            'node_id': 'ns=2;s=IMM-01.%s' % name, 'meaning': 'parameter',
            'sampling_interval': 100} for name in TAGS])
        cr.commit()
        return server.id, tags.ids


def collector(spool):
    args = [sys.executable, '-m', 'odoo', '--addons-path=' + addons_path(), 'mes_opcua',
            '-d', DB, '--shard', 'crashes', '--spool-dir', spool, '--duration', '600',
            '--log-level', 'warn'] + db_args()
    return subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def count_stored(tag_ids):
    with open_registry(DB).cursor() as cr:
        cr.execute('SELECT count(*) FROM mes_process_value WHERE tag_id = ANY(%s)', [tag_ids])
        return cr.fetchone()[0]


def wait_for_more(tag_ids, than, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if count_stored(tag_ids) > than:
            return
        time.sleep(0.3)
    raise RuntimeError('the collector stored nothing in %ss' % seconds)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--cycles', type=int, default=10)
    parser.add_argument('--history', type=int, default=60)
    parser.add_argument('--down', default='3,9', help='seconds down, alternating')
    args = parser.parse_args()
    downs = [float(x) for x in args.down.split(',')]
    fresh_database(DB, 'mes_equipment')
    server_id, tag_ids = setup()
    tick_log = tempfile.NamedTemporaryFile(suffix='.ticks', delete=False).name
    spool = tempfile.mkdtemp()
    simulator = subprocess.Popen([sys.executable, SIMULATOR, '--port', str(PORT), '--rate',
                                  '10', '--history', str(args.history), '--tick-log', tick_log],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    while 'SIMULATOR READY' not in simulator.stdout.readline():
        pass
    try:
        for cycle in range(args.cycles):
            process = collector(spool)
            wait_for_more(tag_ids, count_stored(tag_ids) + 20)
            time.sleep(3)
            process.send_signal(signal.SIGKILL)
            process.wait(10)
            down = downs[cycle % len(downs)]
            print('# cycle %d: killed, down %.0f s' % (cycle + 1, down), flush=True)
            time.sleep(down)
        # the last one stops gracefully
        process = collector(spool)
        wait_for_more(tag_ids, count_stored(tag_ids) + 20)
        time.sleep(3)
        process.send_signal(signal.SIGTERM)
        process.wait(60)
    finally:
        simulator.send_signal(signal.SIGTERM)
        simulator.wait(30)
    report(args.cycles, server_id, tag_ids, tick_log)


def report(cycles, server_id, tag_ids, tick_log):
    from odoo import SUPERUSER_ID, api
    with open(tick_log, encoding='utf-8') as log:
        ticks = [datetime.datetime.fromtimestamp(float(line), datetime.UTC).replace(
            tzinfo=None) for line in log if line.strip()]
    with open_registry(DB).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env['mes.opcua.event']._mes_process_pending()
        totals = dict.fromkeys(('produced', 'stored', 'backfilled', 'in_gaps', 'silent'), 0)
        for tag_id in tag_ids:
            cr.execute('SELECT source_ts, backfilled FROM mes_process_value WHERE tag_id = %s '
                       'ORDER BY source_ts', [tag_id])
            rows = cr.fetchall()
            first, last = rows[0][0], rows[-1][0]
            gaps = env['mes.opcua.event'].search([('tag_id', '=', tag_id), ('kind', '=', 'gap')])
            produced = [t for t in ticks if first <= t <= last]
            in_gaps = sum(1 for t in produced
                          if any(g.date_from <= t <= g.date_to for g in gaps))
            stored = len(rows)
            totals['produced'] += len(produced)
            totals['stored'] += stored
            totals['backfilled'] += sum(1 for _t, backfilled in rows if backfilled)
            totals['in_gaps'] += in_gaps
            totals['silent'] += max(0, len(produced) - stored - in_gaps)
        gap_events = env['mes.opcua.event'].search([('server_id', '=', server_id),
                                                    ('kind', '=', 'gap')])
        exceptions = gap_events.exception_id
        print('# per tag (%d tags), from the first to the last stored value' % len(tag_ids))
        print('# gaps: %d tag gaps in %d exceptions' % (len(gap_events), len(exceptions)))
    print('RESULT name=collector_crashes cycles=%d produced=%d stored=%d backfilled=%d '
          'gap_events=%d gap_exceptions=%d in_gaps=%d lost_silently=%d ratio=%.3f' % (
              cycles, totals['produced'],
              totals['stored'], totals['backfilled'], len(gap_events), len(exceptions),
              totals['in_gaps'], totals['silent'],
              (totals['stored'] + totals['in_gaps']) / max(1, totals['produced'])))


if __name__ == '__main__':
    main()
