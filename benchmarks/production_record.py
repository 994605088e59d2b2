#!/usr/bin/env python3
"""Production record (device history record) at size: compile and render, against Odoo's own
PDF of the same manufacturing order.

Standalone, one run, database ``mes_bench_production_record`` (created here with mes_quality,
mes_equipment and their glue):

A real order made through the MES flow: a master record with 200 lot-tracked components and
10 operations of 100 steps (200 material scans, 800 measurements), approved with a signature;
the order released, every step recorded through ``mes.step.execution.mes_record`` (50 of the
measurements out of their limits raise 50 exceptions), marked done; plus 20,000 process values
of 4 parameters for the order (written in bulk, as the collector does).

Ours, median of ``--runs``:
- compile: the record's content read from the database (every section, audit entries
  included), its hash and its review flags (``_mes_compile_content``, ``content_hash``,
  ``review_flags``);
- render: the reportlab PDF of the record (``mes_render_pdf``).
Baseline, same order, same run: Odoo's own production order PDF (``mrp.production`` report,
QWeb + wkhtmltopdf), which shows the order and its components, not its execution.

    python3 benchmarks/production_record.py [--steps 1000] [--materials 200] [--runs 3]

Targets (issue 12): compile < 2 s, render < 5 s; ``ratio`` = Odoo's PDF time / our render.
"""
import argparse
import base64
import io
import socket
import statistics
import subprocess
import sys
import time
from datetime import timedelta

from _odoo_bench import ROOT, addons_path, db_args, fresh_database, open_registry

DB = 'mes_bench_production_record'
PARAMETERS = 4
PROCESS_VALUES = 20000
OPERATIONS = 10


def make_order(env, steps, materials, exceptions):
    from odoo import Command
    from odoo.tests.common import new_test_user
    company = env.company
    company.mes_release_required = True
    stock = env['stock.warehouse'].search([('company_id', '=', company.id)], limit=1).lot_stock_id
    qa = new_test_user(env, 'bench_qa', groups='mes_bridge.group_mes_quality_manager')
    operator = new_test_user(env, 'bench_operator', groups='mes_bridge.group_mes_operator')
    supervisor = new_test_user(env, 'bench_supervisor', groups='mes_bridge.group_mes_supervisor')
    Product = env['product.product']
    device = Product.create({'name': 'Infusion set (bench)', 'is_storable': True,
                             'tracking': 'lot', 'default_code': 'INF-BENCH'})
    components = Product.create([{'name': 'Component %03d (bench)' % n, 'is_storable': True,
                                  'tracking': 'lot'} for n in range(materials)])
    lots = env['stock.lot'].create([{'product_id': c.id, 'name': 'CMP-%03d' % n,
                                     'mes_release_state': 'released'}
                                    for n, c in enumerate(components)])
    for component, lot in zip(components, lots):
        env['stock.quant']._update_available_quantity(component, stock, 1000, lot_id=lot)
    workcenter = env['mrp.workcenter'].create({'name': 'Assembly (bench)'})
    bom = env['mrp.bom'].create({
        'product_tmpl_id': device.product_tmpl_id.id, 'product_qty': 1,
        'bom_line_ids': [Command.create({'product_id': c.id, 'product_qty': 1})
                         for c in components],
        'operation_ids': [Command.create({'name': 'Operation %02d' % n, 'sequence': n,
                                          'workcenter_id': workcenter.id,
                                          'time_cycle_manual': 1})
                          for n in range(OPERATIONS)]})
    lines = bom.bom_line_ids.sorted('id')
    per_operation = steps // OPERATIONS
    step_vals = []
    material_index = 0
    for op_index, operation in enumerate(bom.operation_ids.sorted('sequence')):
        for n in range(per_operation):
            if material_index < materials and n < materials // OPERATIONS:
                step_vals.append({'operation_id': operation.id, 'sequence': n + 1,
                                  'name': 'Scan %s' % lines[material_index].product_id.name,
                                  'step_type': 'material',
                                  'bom_line_id': lines[material_index].id})
                material_index += 1
            else:
                step_vals.append({'operation_id': operation.id, 'sequence': n + 1,
                                  'name': 'Dimension %02d-%03d' % (op_index, n),
                                  'step_type': 'measurement', 'limit_kind': 'range',
                                  'target': 10.0, 'lower_limit': 9.5, 'upper_limit': 10.5,
                                  'decimals': 2, 'criticality': 'minor'})
    env['mes.operation.step'].create(step_vals)
    bom.with_user(qa).action_mes_approve()
    outcome = bom.with_user(qa).mes_sign('approved', 'bench_qa', 'bench_qa', 'Bench DMR')
    assert outcome['signed'], outcome['message']
    production = env['mrp.production'].create({'product_id': device.id, 'product_qty': 1,
                                               'bom_id': bom.id})
    production.action_confirm()
    production.lot_producing_ids = env['stock.lot'].create(
        {'product_id': device.id, 'name': 'INF-BENCH-001'})
    production.with_user(supervisor).action_mes_release()
    codes = {line.id: lot.name for line, lot in zip(lines, lots)}
    out_of_limit = set(range(0, steps - materials, (steps - materials) // exceptions))
    measurement = 0
    start = time.monotonic()
    for workorder in production.workorder_ids.sorted('sequence'):
        workorder.with_user(operator).button_start()
        for step in workorder.mes_step_execution_ids.sorted('sequence'):
            step = step.with_user(operator)
            if step.step_type == 'material':
                step.mes_record(code=codes[step.bom_line_id.id])
            else:
                step.mes_record(value='11.20' if measurement in out_of_limit else '10.02')
                measurement += 1
        workorder.with_user(operator).button_finish()
        env.cr.commit()
    print('# %d steps recorded through mes_record in %.0f s' % (
        len(production.mes_step_execution_ids), time.monotonic() - start), flush=True)
    production.button_mark_done()
    assert production.state == 'done', production.state
    env.cr.commit()
    return production, qa


def add_process_values(env, production):
    server = env['mes.opcua.server'].create({'name': 'Line (bench)',
                                             'endpoint_url': 'opc.tcp://127.0.0.1:4999'})
    # the press of the order's first work center: its values while the order ran there
    equipment = env['maintenance.equipment'].create({
        'name': 'Press (bench)', 'mes_code': 'PRESS-B',
        'mes_workcenter_id': production.workorder_ids[:1].workcenter_id.id})
    tags = env['mes.opcua.tag'].create([{
        'server_id': server.id, 'node_id': 'ns=2;s=P%d' % n, 'name': 'Parameter %d' % n,
        'equipment_id': equipment.id, 'has_limits': True, 'lower_limit': 0.0,
        'upper_limit': 100.0} for n in range(PARAMETERS)])
    env.flush_all()
    start = production.date_start
    rows = []
    for n in range(PROCESS_VALUES):
        tag = tags[n % PARAMETERS]
        # one value per parameter every 100 ms
        ts = (start + timedelta(milliseconds=100 * (n // PARAMETERS))).strftime(
            '%Y-%m-%d %H:%M:%S.%f')
        rows.append((tag.id, ts, 50.0 + (n % 97) / 10.0, None, False))
    # as the collector stores them
    from odoo.addons.mes_equipment.lib import process_store
    process_store.write_values(env.cr, rows)
    env.cr.execute('ANALYZE mes_process_value_data')
    env.cr.commit()


def timed(func, *args):
    start = time.perf_counter()
    result = func(*args)
    return time.perf_counter() - start, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--steps', type=int, default=1000)
    parser.add_argument('--materials', type=int, default=200)
    parser.add_argument('--exceptions', type=int, default=50)
    parser.add_argument('--runs', type=int, default=3)
    args = parser.parse_args()

    fresh_database(DB, 'mes_quality,mes_equipment,mes_quality_equipment')
    registry = open_registry(DB)
    from odoo import SUPERUSER_ID, api

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        production, qa = make_order(env, args.steps, args.materials, args.exceptions)
        add_process_values(env, production)
        production_id, qa_id = production.id, qa.id

    # Odoo's PDF needs its web server: wkhtmltopdf loads the report's assets from it
    port = 8769
    server = subprocess.Popen(
        [sys.executable, '-m', 'odoo', '--addons-path=' + addons_path(), '-d', DB,
         '--db-filter', '^%s$' % DB, '--http-port', str(port), '--log-level=warn',
         '--max-cron-threads=0'] + db_args(), cwd=ROOT, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    for _attempt in range(120):
        try:
            socket.create_connection(('127.0.0.1', port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.5)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env['ir.config_parameter'].set_param('report.url', 'http://127.0.0.1:%s' % port)
    try:
        run_measures(args, registry, production_id, qa_id)
    finally:
        server.terminate()
        server.wait(30)


def run_measures(args, registry, production_id, qa_id):
    from odoo import api
    from odoo.addons.mes_quality.lib import production_record as record_lib
    compile_runs, render_runs, odoo_runs = [], [], []
    for _ in range(args.runs):
        with registry.cursor() as cr:
            env = api.Environment(cr, qa_id, {})
            production = env['mrp.production'].browse(production_id)
            Record = env['mes.production.record']
            env.invalidate_all()

            def compile_record():
                content = Record._mes_compile_content(production)
                return content, record_lib.content_hash(content), record_lib.review_flags(
                    content)
            seconds, (content, digest, flags) = timed(compile_record)
            compile_runs.append(seconds)
            record = production.mes_production_record_id
            env.invalidate_all()
            # the JSON-2 method: the PDF rendered, in base64
            seconds, encoded = timed(record.mes_render_pdf)
            data = base64.b64decode(encoded)
            render_runs.append(seconds)
            env.invalidate_all()
            report = env['ir.actions.report'].sudo()
            seconds, (odoo_pdf, _kind) = timed(
                report._render_qweb_pdf, 'mrp.action_report_production_order', [production_id])
            odoo_runs.append(seconds)
            cr.rollback()
    import pypdf
    pages = len(pypdf.PdfReader(io.BytesIO(data)).pages)
    odoo_pages = len(pypdf.PdfReader(io.BytesIO(odoo_pdf)).pages)
    assert len(content['steps']) == args.steps, len(content['steps'])
    assert len([m for m in content['materials'] if m['lot']]) == args.materials
    assert len(content['exceptions']) == args.exceptions, len(content['exceptions'])
    assert sum(p['count'] for p in content['process_data']) == PROCESS_VALUES
    compile_s, render_s, odoo_s = (statistics.median(r) for r in (compile_runs, render_runs,
                                                                   odoo_runs))
    print('# record: %d steps, %d materials, %d exceptions, %d process values in %d '
          'parameters, %d audit entries, %d flags; hash %s' % (
              len(content['steps']), args.materials, len(content['exceptions']),
              PROCESS_VALUES, len(content['process_data']), len(content['audit']), len(flags),
              digest[:16]))
    print('# ours: compile %.2f s, render %.2f s (%d pages, %d KB), medians of %d'
          % (compile_s, render_s, pages, len(data) // 1024, args.runs))
    print("# baseline: Odoo's production order PDF (QWeb + wkhtmltopdf) %.2f s (%d pages)"
          % (odoo_s, odoo_pages))
    print('# targets: compile < 2 s %s, render < 5 s %s' % (
        'met' if compile_s < 2 else 'MISSED', 'met' if render_s < 5 else 'MISSED'))
    print('RESULT name=production_record steps=%d materials=%d exceptions=%d process_values=%d '
          'compile_s=%.2f render_s=%.2f pages=%d odoo_pdf_s=%.2f ratio=%.2f'
          % (len(content['steps']), args.materials, len(content['exceptions']), PROCESS_VALUES,
             compile_s, render_s, pages, odoo_s, odoo_s / render_s))


if __name__ == '__main__':
    main()
