#!/usr/bin/env python3
"""Lot genealogy: our recursive-SQL trace against Odoo's own traceability report, then scale.

Standalone, one run, database ``mes_bench_genealogy`` (created here with mes_bridge):

A. Side by side on real Odoo manufacturing data: one resin lot consumed by productions
   over 4 levels (``--productions``, default 1,300, made with Odoo's own MO flow). Full
   forward trace with ``stock.lot.mes_trace`` against fully expanding Odoo's
   ``stock.traceability.report`` from the same lot (every "used in" line followed, as a
   user clicking through would). Both must find the same lots.
B. Scale: ``--links`` (default 1,000,000) lot links over 10 levels, generated in bulk in
   Odoo's tables (stock.lot rows, genealogy links), plus a raw-material lot whose recall
   reaches 10,000 finished lots. p50/p95 of backward and forward traces from random lots,
   and the recall trace (with stock and delivery look-ups) from that raw lot.

    python3 benchmarks/genealogy.py [--productions 1300] [--links 1000000] [--samples 200]

Targets (issue 4): ours >= 100x faster than Odoo's report; trace p50 < 50 ms; recall of
10,000 finished lots < 1 s.
"""
import argparse
import io
import random
import statistics
import time

from _odoo_bench import fresh_database, open_registry, produce_one

DB = 'mes_bench_genealogy'


def make_history(env, productions):
    """Resin lot -> 4 levels of productions, each made with Odoo's MO flow."""
    from odoo import Command
    Product = env['product.product']
    company = env.company
    company.mes_release_required = False
    stock = env['stock.warehouse'].search([('company_id', '=', company.id)], limit=1).lot_stock_id
    products = [Product.create({'name': 'Level %d' % level, 'is_storable': True,
                                'tracking': 'lot'}) for level in range(5)]
    boms = [None] + [env['mrp.bom'].create({
        'product_tmpl_id': products[level].product_tmpl_id.id, 'product_qty': 1,
        'consumption': 'flexible',
        'bom_line_ids': [Command.create({'product_id': products[level - 1].id,
                                         'product_qty': 1})]}) for level in range(1, 5)]
    # 1,300 = 100 + 400 + 400 + 400: level 1 consumes the resin lot, each lot of level 1 feeds
    # 4 productions of level 2, then one-to-one down to level 4
    per_level = [productions // 13, productions * 4 // 13, productions * 4 // 13]
    per_level.append(productions - sum(per_level))
    resin = env['stock.lot'].create({'product_id': products[0].id, 'name': 'RESIN-BENCH',
                                     'mes_release_state': 'released'})
    env['stock.quant']._update_available_quantity(products[0], stock, 10 ** 6, lot_id=resin)
    parents = [resin]
    made = 0
    start = time.monotonic()
    for level in range(1, 5):
        children = []
        for index in range(per_level[level - 1]):
            if level == 1:
                parent = resin
            elif level == 2:
                parent = parents[index // 4 % len(parents)]
            else:
                parent = parents[index % len(parents)]
            mo = env['mrp.production'].create({'product_id': products[level].id,
                                               'product_qty': 1, 'bom_id': boms[level].id})
            mo.action_confirm()
            out = env['stock.lot'].create({'product_id': products[level].id,
                                           'name': 'L%d-%05d' % (level, index)})
            produce_one(env, mo, out, parent)
            children.append(out)
            made += 1
            if made % 100 == 0:
                env.cr.commit()
                print('#   %d productions done (%.0f s)' % (made, time.monotonic() - start),
                      flush=True)
        parents = children
    env.cr.commit()
    return resin, made


def odoo_forward(env, lot):
    report = env['stock.traceability.report']
    lots, queue = {lot.id}, [lot.id]
    clicks = 0
    while queue:
        current = queue.pop()
        clicks += 1
        for line in report.with_context(active_id=current, model='stock.lot').get_lines():
            if not line['is_used']:
                continue
            clicks += 1
            used = report.with_context(lot_name=line['lot_name'], active_id=line['model_id'],
                                       model='stock.move.line').get_lines()
            for produced in used:
                if produced['lot_id'] and produced['lot_id'] not in lots:
                    lots.add(produced['lot_id'])
                    queue.append(produced['lot_id'])
    return lots, clicks


def copy_rows(cr, table, columns, rows):
    data = io.StringIO()
    for row in rows:
        data.write('\t'.join('\\N' if v is None else str(v) for v in row))
        data.write('\n')
    data.seek(0)
    cr._obj.copy_expert('COPY %s (%s) FROM STDIN' % (table, ', '.join(columns)), data)


def make_scale(env, links, levels=10, seed=4):
    """``links`` random links over ``levels`` levels (fan-in 2), plus a 10,000-lot recall tree."""
    rng = random.Random(seed)
    cr = env.cr
    company_id = env.company.id
    product = env['product.product'].create({'name': 'Scale lot product', 'is_storable': True,
                                             'tracking': 'lot'})
    per_level = links // (2 * levels)
    cr.execute('SELECT COALESCE(MAX(id), 0) FROM stock_lot')
    next_id = cr.fetchone()[0] + 1
    lot_rows, link_rows = [], []
    level_ids = []
    for level in range(levels + 1):
        ids = list(range(next_id, next_id + per_level))
        next_id += per_level
        level_ids.append(ids)
        lot_rows += [(lot_id, 'S%02d-%07d' % (level, lot_id), product.id, company_id, 'released')
                     for lot_id in ids]
        if level:
            previous = level_ids[level - 1]
            for lot_id in ids:
                for parent in rng.sample(previous, 2):
                    link_rows.append((parent, lot_id, 'production', 1.0, company_id, 't'))
    # the recall tree: raw lot -> 10 -> 100 -> 1,000 -> 10,000 finished lots
    root = next_id
    lot_rows.append((root, 'RAW-RECALL', product.id, company_id, 'released'))
    next_id += 1
    frontier = [root]
    for depth in range(4):
        children = []
        for parent in frontier:
            for _ in range(10):
                lot_rows.append((next_id, 'R%d-%07d' % (depth + 1, next_id), product.id,
                                 company_id, 'released'))
                link_rows.append((parent, next_id, 'production', 1.0, company_id, 't'))
                children.append(next_id)
                next_id += 1
        frontier = children
    copy_rows(cr, 'stock_lot', ('id', 'name', 'product_id', 'company_id', 'mes_release_state'),
              lot_rows)
    cr.execute("SELECT setval('stock_lot_id_seq', %s)", [next_id])
    copy_rows(cr, 'mes_lot_link', ('from_lot_id', 'to_lot_id', 'kind', 'qty', 'company_id',
                                   'active'), link_rows)
    cr.execute('ANALYZE stock_lot')
    cr.execute('ANALYZE mes_lot_link')
    cr.commit()
    return level_ids, root, len(link_rows), len(lot_rows), len(frontier)


def timed(func, *args, **kwargs):
    start = time.perf_counter()
    result = func(*args, **kwargs)
    return (time.perf_counter() - start) * 1000.0, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--productions', type=int, default=1300)
    parser.add_argument('--links', type=int, default=1_000_000)
    parser.add_argument('--samples', type=int, default=200)
    args = parser.parse_args()

    fresh_database(DB)
    registry = open_registry(DB)
    from odoo import SUPERUSER_ID, api

    # -- A. side by side ------------------------------------------------------------------
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        start = time.monotonic()
        resin, made = make_history(env, args.productions)
        print('# A: %d productions over 4 levels made with Odoo\'s MO flow in %.0f s'
              % (made, time.monotonic() - start))
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        resin = env['stock.lot'].browse(resin.id)
        ours = []
        for _ in range(5):
            env.invalidate_all()
            ms, trace = timed(resin.mes_trace, 'forward')
            ours.append(ms)
        ours_ms = statistics.median(ours)
        ours_lots = {node['lot_id'] for node in trace['nodes']}
        env.invalidate_all()
        odoo_ms, (odoo_lots, clicks) = timed(odoo_forward, env, resin)
        assert ours_lots == odoo_lots, (len(ours_lots), len(odoo_lots))
        print('# A: forward trace of %d lots: ours %.1f ms (median of 5), Odoo report fully '
              'expanded %.0f ms (%d unfold calls); same lots found' % (
                  len(ours_lots), ours_ms, odoo_ms, clicks))

    # -- B. scale ----------------------------------------------------------------------
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        start = time.monotonic()
        level_ids, root, link_count, lot_count, finished = make_scale(env, args.links)
        print('# B: %d links between %d lots (10 levels) generated in %.0f s' % (
            link_count, lot_count, time.monotonic() - start))
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        Lot = env['stock.lot']
        rng = random.Random(7)
        times = {'backward': [], 'forward': []}
        sizes = {'backward': [], 'forward': []}
        for _ in range(args.samples):
            level = rng.randint(0, len(level_ids) - 1)
            lot = Lot.browse(rng.choice(level_ids[level]))
            for direction in ('backward', 'forward'):
                env.invalidate_all()
                ms, trace = timed(lot.mes_trace, direction)
                times[direction].append(ms)
                sizes[direction].append(trace['lot_count'])
        figures = {}
        for direction in ('backward', 'forward'):
            series = sorted(times[direction])
            figures[direction] = (statistics.median(series),
                                  series[int(len(series) * 0.95) - 1],
                                  statistics.median(sizes[direction]), max(sizes[direction]))
            print('# B: %s trace over %d random lots: p50 %.1f ms, p95 %.1f ms (lots per trace: '
                  'median %d, max %d)' % ((direction, args.samples) + figures[direction]))
        recall_runs = []
        for _ in range(3):
            env.invalidate_all()
            ms, trace = timed(Lot.browse(root).mes_trace, 'forward')
            recall_runs.append(ms)
        recall_ms = statistics.median(recall_runs)
        reached = sum(1 for node in trace['nodes'] if node['level'] == 4)
        assert reached == finished, (reached, finished)
        print('# B: recall trace from the raw lot: %d finished lots (of %d lots reached) in '
              '%.0f ms (median of 3), with stock and delivery look-ups'
              % (reached, trace['lot_count'], recall_ms))

    print('RESULT name=genealogy productions=%d lots_traced=%d ours_ms=%.1f odoo_report_ms=%.0f '
          'links=%d trace_backward_p50_ms=%.1f trace_backward_p95_ms=%.1f '
          'trace_forward_p50_ms=%.1f trace_forward_p95_ms=%.1f recall_10k_ms=%.0f ratio=%.0f'
          % (made, len(ours_lots), ours_ms, odoo_ms, link_count,
             figures['backward'][0], figures['backward'][1], figures['forward'][0],
             figures['forward'][1], recall_ms, odoo_ms / ours_ms))


if __name__ == '__main__':
    main()
