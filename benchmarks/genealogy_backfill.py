#!/usr/bin/env python3
"""Genealogy backfill at install: how long building the lot links takes on a database that
already holds ``--move-lines`` (default 1,000,000) done manufacturing move lines.

Standalone, one run, database ``mes_bench_backfill`` with mes_bridge: one real production is
made with Odoo's MO flow, then cloned in bulk in Odoo's own tables (mrp_production,
stock_move, stock_move_line, stock_lot and the consumed/produced relation), each clone
consuming the lot made by an earlier one so the history is consuming the same resin lot. The links are
then dropped and rebuilt with ``mes.lot.link._mes_backfill()`` (what the install hook runs).
Baseline in the same run: one plain read of the same move lines and relation (the least any
backfill must do).

    python3 benchmarks/genealogy_backfill.py [--move-lines 1000000]

Target (issue 4): minutes, not hours, for a million move lines.
"""
import argparse
import time

from _odoo_bench import fresh_database, open_registry, produce_one

DB = 'mes_bench_backfill'


def columns(cr, table, skip):
    cr.execute("""SELECT column_name FROM information_schema.columns
                   WHERE table_name = %s AND table_schema = 'public' ORDER BY ordinal_position""",
               [table])
    return [c for (c,) in cr.fetchall() if c not in skip]


def clone(cr, table, template_id, count, overrides):
    """INSERT ``count`` copies of row ``template_id``; ``overrides`` maps column -> SQL
    expression of ``g`` (1..count) replacing the template's value."""
    keep = columns(cr, table, set(overrides))
    cols = list(overrides) + keep
    exprs = list(overrides.values()) + ['t.%s' % c for c in keep]
    cr.execute('INSERT INTO %s (%s) SELECT %s FROM generate_series(1, %d) g, '
               '(SELECT * FROM %s WHERE id = %d) t' % (
                   table, ', '.join('"%s"' % c for c in cols), ', '.join(exprs), count, table,
                   template_id))


def next_base(cr, table):
    cr.execute('SELECT COALESCE(MAX(id), 0) FROM %s' % table)
    return cr.fetchone()[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--move-lines', type=int, default=1_000_000)
    args = parser.parse_args()
    count = args.move_lines // 2  # one consumed + one produced line per production

    fresh_database(DB)
    registry = open_registry(DB)
    from odoo import SUPERUSER_ID, Command, api

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env.company.mes_release_required = False
        stock = env['stock.warehouse'].search([], limit=1).lot_stock_id
        part = env['product.product'].create({'name': 'Part', 'is_storable': True,
                                              'tracking': 'lot'})
        resin = env['product.product'].create({'name': 'Resin', 'is_storable': True,
                                               'tracking': 'lot'})
        bom = env['mrp.bom'].create({
            'product_tmpl_id': part.product_tmpl_id.id, 'product_qty': 1,
            'consumption': 'flexible',
            'bom_line_ids': [Command.create({'product_id': resin.id, 'product_qty': 1})]})
        seed = env['stock.lot'].create({'product_id': resin.id, 'name': 'SEED'})
        env['stock.quant']._update_available_quantity(resin, stock, 10, lot_id=seed)
        mo = env['mrp.production'].create({'product_id': part.id, 'product_qty': 1,
                                           'bom_id': bom.id})
        mo.action_confirm()
        out = env['stock.lot'].create({'product_id': part.id, 'name': 'OUT-0'})
        produce_one(env, mo, out, seed)
        raw = mo.move_raw_ids
        env.flush_all()
        fin = mo.move_finished_ids
        raw_line, fin_line = raw.move_line_ids, fin.move_line_ids
        cr.commit()

        start = time.monotonic()
        lot0, mo0 = next_base(cr, 'stock_lot'), next_base(cr, 'mrp_production')
        move0, line0 = next_base(cr, 'stock_move'), next_base(cr, 'stock_move_line')
        # clone g makes part lot lot0+g from the seed resin lot, like years of production
        clone(cr, 'stock_lot', out.id, count, {'id': '%d + g' % lot0,
                                               'name': "'BF-' || g"})
        clone(cr, 'mrp_production', mo.id, count, {'id': '%d + g' % mo0,
                                                   'name': "'BF/MO/' || g"})
        clone(cr, 'stock_move', raw.id, count, {
            'id': '%d + 2 * g - 1' % move0, 'raw_material_production_id': '%d + g' % mo0})
        clone(cr, 'stock_move', fin.id, count, {
            'id': '%d + 2 * g' % move0, 'production_id': '%d + g' % mo0})
        clone(cr, 'stock_move_line', raw_line.id, count, {
            'id': '%d + 2 * g - 1' % line0, 'move_id': '%d + 2 * g - 1' % move0,
            'lot_id': str(seed.id)})
        clone(cr, 'stock_move_line', fin_line.id, count, {
            'id': '%d + 2 * g' % line0, 'move_id': '%d + 2 * g' % move0,
            'lot_id': '%d + g' % lot0})
        cr.execute('INSERT INTO stock_move_line_consume_rel (consume_line_id, produce_line_id) '
                   'SELECT %d + 2 * g, %d + 2 * g - 1 FROM generate_series(1, %d) g'
                   % (line0, line0, count))
        for table in ('stock_lot', 'mrp_production', 'stock_move', 'stock_move_line'):
            cr.execute("SELECT setval('%s_id_seq', (SELECT MAX(id) FROM %s))" % (table, table))
            cr.execute('ANALYZE %s' % table)
        cr.execute('ANALYZE stock_move_line_consume_rel')
        cr.commit()
        cr.execute("SELECT count(*) FROM stock_move_line ml JOIN stock_move m ON m.id = ml.move_id"
                   " WHERE (m.production_id IS NOT NULL OR m.raw_material_production_id IS NOT "
                   "NULL) AND ml.state = 'done'")
        lines = cr.fetchone()[0]
        print('# %d done manufacturing move lines (%d productions) generated in %.0f s'
              % (lines, count + 1, time.monotonic() - start))

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        start = time.monotonic()
        cr.execute("""SELECT count(*), sum(c.quantity_product_uom) FROM stock_move_line_consume_rel r
                        JOIN stock_move_line p ON p.id = r.consume_line_id
                        JOIN stock_move_line c ON c.id = r.produce_line_id""")
        cr.fetchall()
        baseline_s = time.monotonic() - start
        cr.execute('DELETE FROM mes_lot_link')
        start = time.monotonic()
        done = env['mes.lot.link']._mes_backfill()
        cr.commit()
        backfill_s = time.monotonic() - start
        cr.execute('SELECT count(*) FROM mes_lot_link')
        links = cr.fetchone()[0]
        assert links == count + 1, (links, count + 1)
        sample = env['stock.lot'].search([('name', '=', 'BF-%d' % (count // 2))])
        assert {n['lot_name'] for n in sample.mes_trace('backward')['nodes']} == {
            sample.name, 'SEED'}
        print('# backfill: %d links for %d done productions in %.1f s; baseline read of the same '
              'lines %.1f s; a cloned lot traces back to its resin lot' % (
                  links, done, backfill_s, baseline_s))
    print('RESULT name=genealogy_backfill move_lines=%d productions=%d backfill_s=%.1f '
          'baseline_read_s=%.1f ratio=%.1f' % (lines, done, backfill_s, baseline_s,
                                               backfill_s / baseline_s))


if __name__ == '__main__':
    main()
