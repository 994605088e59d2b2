"""Shared set-up for the benchmarks: a fresh database with our addons, opened in-process.

Uses the Odoo 19 installed in this Python and PostgreSQL at $PGHOST:$PGPORT (default
127.0.0.1:5432), like scripts/mes.
"""
import os
import subprocess
import sys
import time

import psycopg2

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def addons_path():
    import odoo
    paths = []
    for pkg in odoo.__path__:
        for candidate in (os.path.join(pkg, 'addons'), os.path.join(os.path.dirname(pkg), 'addons')):
            if os.path.isdir(os.path.join(candidate, 'base')) or \
                    os.path.isdir(os.path.join(candidate, 'mrp')):
                paths.append(os.path.realpath(candidate))
    extra = os.environ.get('ODOO_ADDONS_PATH')
    if extra:
        paths = extra.split(',')
    return ','.join(list(dict.fromkeys(paths)) + [os.path.join(ROOT, 'addons')])


def db_args():
    args = ['--db_host', os.environ.get('PGHOST', '127.0.0.1'),
            '--db_port', os.environ.get('PGPORT', '5432')]
    if os.environ.get('PGUSER'):
        args += ['--db_user', os.environ['PGUSER']]
    if os.environ.get('PGPASSWORD'):
        args += ['--db_password', os.environ['PGPASSWORD']]
    return args


def drop_database(dbname):
    conn = psycopg2.connect(dbname='postgres', host=os.environ.get('PGHOST', '127.0.0.1'),
                            port=os.environ.get('PGPORT', '5432'),
                            user=os.environ.get('PGUSER') or None,
                            password=os.environ.get('PGPASSWORD') or None)
    conn.autocommit = True
    with conn.cursor() as cr:
        cr.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % dbname)
    conn.close()


def fresh_database(dbname, modules='mes_bridge'):
    """Drop and create ``dbname`` with ``modules`` installed (no demo data)."""
    drop_database(dbname)
    start = time.monotonic()
    cmd = [sys.executable, '-m', 'odoo', '--addons-path=' + addons_path(), '-d', dbname,
           '-i', modules, '--stop-after-init', '--log-level=warn', '--http-port', '0'] + db_args()
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    print('# database %s with %s installed in %.0f s' % (dbname, modules,
                                                        time.monotonic() - start))


def open_registry(dbname):
    from odoo.tools import config
    config.parse_config(['--addons-path=' + addons_path(), '--log-level=warn'] + db_args(),
                        setup_logging=True)
    from odoo.modules.registry import Registry
    return Registry(dbname)


def produce_one(env, production, out_lot, component_lot):
    """Finish a confirmed one-unit, one-component production as ``out_lot`` from
    ``component_lot``, with Odoo's own MO flow (what a user or MES does)."""
    production.lot_producing_ids = out_lot
    production.qty_producing = 1
    production.set_qty_producing()
    move = production.move_raw_ids
    move.move_line_ids.unlink()
    env['stock.move.line'].create({
        'move_id': move.id, 'product_id': move.product_id.id, 'lot_id': component_lot.id,
        'quantity': 1, 'product_uom_id': move.product_uom.id,
        'location_id': move.location_id.id, 'location_dest_id': move.location_dest_id.id})
    move.picked = True
    production.button_mark_done()
    assert production.state == 'done', production.state
