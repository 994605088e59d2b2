#!/usr/bin/env python3
"""Nonconformance containment at recall scale, against Odoo's own stock.quant search.

Standalone, one run, database ``mes_bench_nc_impact`` (created here with mes_quality):

A raw-material lot (resin) whose genealogy reaches 10,000 finished lots over 4 levels
(raw -> 10 -> 100 -> 1,000 -> 10,000), generated in bulk in Odoo's tables (stock.lot rows,
genealogy links, stock.quant rows for every reached lot, and done deliveries to customers of
``--delivered`` finished lots, with their pickings and move lines).

Ours: a quality inspector opens a nonconformance on the raw lot, as the form and JSON-2 do
(``mes.nonconformance.create`` with the affected line). That is the whole containment: the
raw lot goes on hold (audited), its forward genealogy is traced and the impact list (every
reached lot with its level, release state, stock on hand and quantity delivered) is stored
on the nonconformance. Timed end to end, including the flush to PostgreSQL, median of
``--runs`` (each rolled back). Then "Refresh Impact" alone.

Baseline, same run, same lots: Odoo's own ``stock.quant`` search for the 10,001 lots (what a
user does in Inventory > Stock with the lots filtered: search, then read the quantities),
given the lot ids for free (Odoo has no way to find them; see ``genealogy.py``).

    python3 benchmarks/nc_impact.py [--levels 4] [--fan-out 10] [--delivered 2000] [--runs 5]

Target (issue 11): the whole containment under 3 s. ``ratio`` = baseline time / ours (how
much of the time of a bare quant search the full containment takes, inverted: under 1 means
ours takes longer, as it does more).
"""
import argparse
import statistics
import time

from _odoo_bench import fresh_database, open_registry
from genealogy import copy_rows

DB = 'mes_bench_nc_impact'


def make_recall_tree(env, levels, fan_out, delivered):
    """The raw lot, its genealogy down to ``fan_out ** levels`` finished lots, stock on hand
    for every reached lot and deliveries of ``delivered`` finished lots."""
    cr = env.cr
    company = env.company
    Product = env['product.product']
    raw_product = Product.create({'name': 'PP resin (bench)', 'is_storable': True,
                                  'tracking': 'lot'})
    products = [raw_product] + [Product.create({
        'name': 'Level %d (bench)' % level, 'is_storable': True, 'tracking': 'lot'})
        for level in range(1, levels + 1)]
    warehouse = env['stock.warehouse'].search([('company_id', '=', company.id)], limit=1)
    stock = warehouse.lot_stock_id
    customers = env.ref('stock.stock_location_customers')
    out_type = warehouse.out_type_id
    partner = env['res.partner'].create({'name': 'Hospital (bench)', 'is_company': True})
    raw = env['stock.lot'].create({'product_id': raw_product.id, 'name': 'RAW-NC-BENCH',
                                   'mes_release_state': 'released'})
    env['stock.quant']._update_available_quantity(raw_product, stock, 500, lot_id=raw)
    env.flush_all()

    cr.execute('SELECT COALESCE(MAX(id), 0) FROM stock_lot')
    next_id = cr.fetchone()[0] + 1
    lot_rows, link_rows, quant_rows = [], [], []
    frontier = [raw.id]
    finished = []
    for depth in range(1, levels + 1):
        children = []
        product_id = products[depth].id
        for parent in frontier:
            for _ in range(fan_out):
                lot_rows.append((next_id, 'NC%d-%07d' % (depth, next_id), product_id,
                                 company.id, 'released'))
                link_rows.append((parent, next_id, 'production', 1.0, company.id, 't'))
                quant_rows.append((product_id, stock.id, next_id, company.id, 100.0, 0.0,
                                   '2026-11-01 08:00:00'))
                children.append(next_id)
                next_id += 1
        frontier = children
        if depth == levels:
            finished = children
    copy_rows(cr, 'stock_lot', ('id', 'name', 'product_id', 'company_id', 'mes_release_state'),
              lot_rows)
    cr.execute("SELECT setval('stock_lot_id_seq', %s)", [next_id])
    copy_rows(cr, 'mes_lot_link', ('from_lot_id', 'to_lot_id', 'kind', 'qty', 'company_id',
                                   'active'), link_rows)
    copy_rows(cr, 'stock_quant', ('product_id', 'location_id', 'lot_id', 'company_id',
                                  'quantity', 'reserved_quantity', 'in_date'), quant_rows)

    # deliveries: one done picking per 10 delivered lots, one done move line per lot
    shipped = finished[:delivered]
    uom_id = products[-1].uom_id.id
    cr.execute('SELECT COALESCE(MAX(id), 0) FROM stock_picking')
    picking_id = cr.fetchone()[0]
    picking_rows, line_rows = [], []
    for index, lot_id in enumerate(shipped):
        if index % 10 == 0:
            picking_id += 1
            picking_rows.append((picking_id, 'WH/OUT/NC%06d' % picking_id, stock.id,
                                 customers.id, out_type.id, 'direct', 'done', partner.id,
                                 company.id, '2026-11-20 10:00:00'))
        line_rows.append((company.id, products[-1].id, uom_id, stock.id, customers.id,
                          '2026-11-20 10:00:00', 'done', lot_id, picking_id, 40.0, 40.0))
    copy_rows(cr, 'stock_picking', ('id', 'name', 'location_id', 'location_dest_id',
                                    'picking_type_id', 'move_type', 'state', 'partner_id',
                                    'company_id', 'date_done'), picking_rows)
    cr.execute("SELECT setval('stock_picking_id_seq', %s)", [picking_id + 1])
    copy_rows(cr, 'stock_move_line', ('company_id', 'product_id', 'product_uom_id',
                                      'location_id', 'location_dest_id', 'date', 'state',
                                      'lot_id', 'picking_id', 'quantity',
                                      'quantity_product_uom'), line_rows)
    for table in ('stock_lot', 'mes_lot_link', 'stock_quant', 'stock_picking',
                  'stock_move_line'):
        cr.execute('ANALYZE %s' % table)
    env.invalidate_all()
    cr.commit()
    return raw.id, [raw.id] + [row[0] for row in lot_rows], len(finished), len(shipped)


def inspector(env):
    from odoo.tests.common import new_test_user
    user = env['res.users'].search([('login', '=', 'nc_bench_inspector')])
    if not user:
        user = new_test_user(env, 'nc_bench_inspector', name='Ines Inspector (bench)',
                             groups='mes_bridge.group_mes_quality_inspector')
        env.cr.commit()
    return user


def timed(func, *args, **kwargs):
    start = time.perf_counter()
    result = func(*args, **kwargs)
    return time.perf_counter() - start, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--levels', type=int, default=4)
    parser.add_argument('--fan-out', type=int, default=10)
    parser.add_argument('--delivered', type=int, default=2000)
    parser.add_argument('--runs', type=int, default=5)
    args = parser.parse_args()

    fresh_database(DB, 'mes_quality')
    registry = open_registry(DB)
    from odoo import SUPERUSER_ID, api

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        start = time.monotonic()
        raw_id, lot_ids, finished, shipped = make_recall_tree(
            env, args.levels, args.fan_out, args.delivered)
        user_id = inspector(env).id
        print('# raw lot reaching %d lots (%d finished, %d of them delivered) generated in '
              '%.0f s' % (len(lot_ids) - 1, finished, shipped, time.monotonic() - start))

    def contain(env):
        lot = env['stock.lot'].browse(raw_id)
        nc = env['mes.nonconformance'].create({
            'title': 'Resin contaminated (bench)', 'product_id': lot.product_id.id,
            'line_ids': [(0, 0, {'product_id': lot.product_id.id, 'lot_id': raw_id,
                                 'quantity': 500})]})
        env.flush_all()
        return nc

    ours, refresh = [], []
    for _ in range(args.runs):
        with registry.cursor() as cr:
            env = api.Environment(cr, user_id, {})
            seconds, nc = timed(contain, env)
            ours.append(seconds)
            # the containment is what the user relies on: checked on every run
            impact = nc.impact_ids
            assert env['stock.lot'].browse(raw_id).mes_release_state == 'on_hold'
            assert len(impact) == len(lot_ids), (len(impact), len(lot_ids))
            assert set(impact.lot_id.ids) == set(lot_ids)
            assert sum(impact.mapped('on_hand')) == 500 + 100 * (len(lot_ids) - 1)
            assert sum(impact.mapped('delivered')) == 40 * shipped
            levels = impact.mapped('level')
            assert levels.count(args.levels) == finished, levels.count(args.levels)
            env.invalidate_all()
            seconds, _done = timed(lambda: (nc.action_refresh_impact(), env.flush_all()))
            refresh.append(seconds)
            assert len(nc.impact_ids) == len(lot_ids)
            cr.rollback()
    ours_s, refresh_s = statistics.median(ours), statistics.median(refresh)
    print('# ours: nonconformance opened with the raw lot held and %d impact rows stored in '
          '%.2f s (median of %d: %s); Refresh Impact %.2f s'
          % (len(lot_ids), ours_s, args.runs, ', '.join('%.2f' % s for s in ours), refresh_s))

    baseline = []
    for _ in range(args.runs):
        with registry.cursor() as cr:
            env = api.Environment(cr, user_id, {})
            env.invalidate_all()

            def quant_search():
                quants = env['stock.quant'].search([('lot_id', 'in', lot_ids)])
                return quants.read(['lot_id', 'location_id', 'quantity'])
            seconds, rows = timed(quant_search)
            baseline.append(seconds)
            assert len(rows) == len(lot_ids), len(rows)
    baseline_s = statistics.median(baseline)
    print('# baseline: Odoo stock.quant search and read for the same %d lots in %.2f s '
          '(median of %d); it holds nothing, stores nothing and needs the lot ids given'
          % (len(lot_ids), baseline_s, args.runs))
    target = 'met' if ours_s < 3.0 else 'MISSED'
    print('# target: whole containment under 3 s: %s' % target)
    print('RESULT name=nc_impact lots=%d delivered=%d ours_s=%.2f refresh_s=%.2f '
          'quant_search_s=%.2f target_s=3 ratio=%.2f'
          % (len(lot_ids), shipped, ours_s, refresh_s, baseline_s, baseline_s / ours_s))


if __name__ == '__main__':
    main()
