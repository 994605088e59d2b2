#!/usr/bin/env python3
"""Audit trail overhead: audited writes per second with the trail on, against the same
writes with the trail switched off in this process (the baseline), in one run.

Standalone: creates database ``mes_bench_audit`` with mes_bridge. Each write is what a QA
user does on a lot (release status and reason), one record per write, in two shapes:

- ``request``: one committed transaction per write, as one click in the UI or one JSON-2
  call (dominated by the commit's disk sync on most machines);
- ``batch``: each write flushed to PostgreSQL, 100 writes per transaction, as an import or
  a script (shows the CPU and SQL cost of the trail itself).

Rounds alternate on/off so that drift hits both. The RESULT ratio is the lower of the two.

    python3 benchmarks/audit_overhead.py [--records 2000] [--request-records 300] [--rounds 3]

Target (issue 3): trail-on throughput >= 0.7x trail-off.
"""
import argparse
import statistics
import time
from unittest import mock

from _odoo_bench import fresh_database, open_registry

DB = 'mes_bench_audit'


def run_writes(env, lots, label, per_transaction):
    start = time.perf_counter()
    for index, lot in enumerate(lots):
        # flip the status, so that both audited fields really change on every write
        target = 'on_hold' if lot.mes_release_state == 'released' else 'released'
        lot.write({'mes_release_state': target,
                   'mes_release_reason': '%s write %d' % (label, index)})
        env.flush_all()
        if index % per_transaction == per_transaction - 1:
            env.cr.commit()
    env.cr.commit()
    return len(lots) / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--records', type=int, default=2000)
    parser.add_argument('--request-records', type=int, default=300)
    parser.add_argument('--rounds', type=int, default=3)
    args = parser.parse_args()

    fresh_database(DB)
    registry = open_registry(DB)
    from odoo import SUPERUSER_ID, api
    from odoo.addons.mes_part11.models.mes_audited import MesAudited

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        product = env['product.product'].create({
            'name': 'Benchmark resin', 'is_storable': True, 'tracking': 'lot'})
        lots = env['stock.lot'].create([
            {'product_id': product.id, 'name': 'BENCH-%05d' % i, 'mes_release_state': 'released'}
            for i in range(args.records)])
        cr.commit()
        lot_ids = lots.ids

    shapes = {'request': (1, lot_ids[:args.request_records]), 'batch': (100, lot_ids)}
    rates = {(shape, trail): [] for shape in shapes for trail in (True, False)}
    for round_no in range(args.rounds):
        for shape, (per_transaction, ids) in shapes.items():
            for trail in (True, False):
                with registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    lots = env['stock.lot'].browse(ids)
                    lots.fetch(['mes_release_state', 'mes_release_reason'])
                    cr.execute('SELECT count(*) FROM mes_audit_entry')
                    before = cr.fetchone()[0]
                    if trail:
                        rate = run_writes(env, lots, 'on', per_transaction)
                    else:
                        # the baseline: the very same writes with the audit hook bypassed
                        with mock.patch.object(MesAudited, '_mes_audit_declared',
                                               lambda self, names: []):
                            rate = run_writes(env, lots, 'off', per_transaction)
                    cr.execute('SELECT count(*) FROM mes_audit_entry')
                    written = cr.fetchone()[0] - before
                    expected = 2 * len(ids) if trail else 0
                    assert written == expected, (trail, written, expected)
                    rates[shape, trail].append(rate)
                    print('# round %d %-7s trail %-3s %7.0f writes/s (%d audit entries)'
                          % (round_no + 1, shape, 'on' if trail else 'off', rate, written))

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        assert env['mes.audit.entry'].verify_chain() is False, 'chain must verify'
    figures, ratios = [], []
    for shape in shapes:
        on = statistics.median(rates[shape, True])
        off = statistics.median(rates[shape, False])
        ratios.append(on / off)
        figures.append('%s_on_per_s=%.0f %s_off_per_s=%.0f %s_ratio=%.2f'
                       % (shape, on, shape, off, shape, on / off))
    print('RESULT name=audit_overhead records=%d request_records=%d %s ratio=%.2f'
          % (args.records, args.request_records, ' '.join(figures), min(ratios)))


if __name__ == '__main__':
    main()
