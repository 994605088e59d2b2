#!/usr/bin/env python3
"""B2MML in: a ProcessOperationsSchedule of 1,000 operations requests posted to
``/mes/b2mml`` on a running Odoo (validated against the B2MML v7 schemas, 1,000 manufacturing
orders created and confirmed, the AcknowledgeOperationsSchedule validated and returned), then
the same message again (a retry: answered from the BODID, nothing created).

Baseline in the same run, on the same server: the same 1,000 orders created the way an
integrator would without B2MML, over JSON-2: ``mrp.production/create`` with the 1,000 values,
then ``mrp.production/action_confirm``.

Standalone, one run, database ``mes_bench_b2mml`` (created here with mes_bridge).

    python3 benchmarks/b2mml.py [--requests 1000]

Target (issue 14): the 1,000-request schedule imported in under 30 s. ``ratio`` = our time /
the JSON-2 baseline's.
"""
import argparse
import subprocess
import sys
import time
import uuid

import requests
from _odoo_bench import ROOT, addons_path, db_args, fresh_database, open_registry

DB = 'mes_bench_b2mml'
PORT = 8773
PASSWORD = 'Bench-QA-Secret-2026'


def setup():
    from odoo import SUPERUSER_ID, Command, api
    registry = open_registry(DB)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        Product = env['product.product']
        product = Product.create({'name': 'Bench syringe', 'default_code': 'BENCH-SYR',
                                  'is_storable': True})
        components = Product.create([{'name': 'Bench component %d' % i, 'is_storable': True}
                                     for i in range(3)])
        workcenters = env['mrp.workcenter'].create([{'name': 'Bench moulding'},
                                                    {'name': 'Bench assembly'}])
        bom = env['mrp.bom'].create({
            'product_tmpl_id': product.product_tmpl_id.id, 'product_qty': 1, 'code': 'BENCH-DMR',
            'bom_line_ids': [Command.create({'product_id': c.id, 'product_qty': 2})
                             for c in components],
            'operation_ids': [Command.create({'name': name, 'workcenter_id': wc.id,
                                              'time_cycle_manual': 10})
                              for name, wc in zip(('Moulding', 'Assembly'), workcenters)]})
        qa = env['res.users'].create({
            'name': 'Bench QA', 'login': 'bench_qa', 'password': PASSWORD,
            'group_ids': [(6, 0, [env.ref('mes_bridge.group_mes_quality_manager').id])]})
        bom.with_user(qa).action_mes_approve()
        outcome = bom.with_user(qa).mes_sign('approved', 'bench_qa', PASSWORD, 'Bench')
        assert outcome['signed'], outcome
        planner = env['res.users'].create({
            'name': 'Bench ERP', 'login': 'bench_erp', 'password': PASSWORD,
            'group_ids': [(6, 0, [env.ref('mrp.group_mrp_manager').id])]})
        key = env['res.users.apikeys'].with_user(planner).sudo()._generate(None, 'bench', None)
        cr.commit()
        return key, product.id, bom.id


def schedule(count, prefix):
    requests_xml = ''.join(f"""
      <OperationsRequest>
        <ID>{prefix}-{index:05d}</ID>
        <StartTime>2026-12-{7 + index % 20:02d}T06:00:00Z</StartTime>
        <EndTime>2026-12-{8 + index % 20:02d}T18:00:00Z</EndTime>
        <Priority>{1 + index % 5}</Priority>
        <OperationsDefinitionID>BENCH-DMR</OperationsDefinitionID>
        <SegmentRequirement>
          <ID>{prefix}-{index:05d}-1</ID>
          <ProcessSegmentID>MAKE</ProcessSegmentID>
          <OperationsDefinitionID>BENCH-DMR</OperationsDefinitionID>
          <OperationsSegmentID>BENCH-DMR</OperationsSegmentID>
          <SegmentParameter><ID>OperationsDefinitionVersion</ID>
            <Value><ValueString>1</ValueString><DataType>string</DataType></Value>
          </SegmentParameter>
          <MaterialRequirement>
            <ID>{prefix}-{index:05d}-OUT</ID>
            <MaterialDefinitionID>BENCH-SYR</MaterialDefinitionID>
            <MaterialUse>Produced</MaterialUse>
            <Quantity><QuantityString>{100 + index % 50}</QuantityString>
              <DataType>decimal</DataType><UnitOfMeasure>Units</UnitOfMeasure></Quantity>
          </MaterialRequirement>
        </SegmentRequirement>
      </OperationsRequest>""" for index in range(count))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ProcessOperationsSchedule xmlns="http://www.mesa.org/xml/B2MML" releaseID="0700">
  <ApplicationArea><Sender><LogicalID>BENCH-ERP</LogicalID></Sender>
    <CreationDateTime>2026-12-03T06:00:00Z</CreationDateTime><BODID>{uuid.uuid4()}</BODID>
  </ApplicationArea>
  <DataArea><Process/><OperationsSchedule><ID>BENCH</ID>{requests_xml}
  </OperationsSchedule></DataArea>
</ProcessOperationsSchedule>""".encode()


def start_server():
    server = subprocess.Popen(
        [sys.executable, '-m', 'odoo', '--addons-path=' + addons_path(), '-d', DB,
         '--db-filter', '^%s$' % DB, '--http-port', str(PORT), '--max-cron-threads=0',
         '--log-level=warn', '--limit-time-real=900'] + db_args(),
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _attempt in range(120):
        try:
            requests.get('http://127.0.0.1:%s/web/health' % PORT, timeout=2)
            return server
        except requests.RequestException:
            time.sleep(0.5)
    server.kill()
    raise RuntimeError('Odoo did not start')


def count_orders(prefix):
    from odoo import SUPERUSER_ID, api
    with open_registry(DB).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        orders = env['mrp.production'].search([('origin', '=like', prefix + '-%')])
        return len(orders), set(orders.mapped('state')), len(orders.workorder_ids)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--requests', type=int, default=1000)
    args = parser.parse_args()
    fresh_database(DB, 'mes_bridge')
    key, product_id, bom_id = setup()
    server = start_server()
    headers = {'Authorization': 'Bearer %s' % key}
    base = 'http://127.0.0.1:%s' % PORT
    try:
        # warm-up: one small message (schemas loaded, registry warm)
        warm = requests.post(base + '/mes/b2mml', data=schedule(2, 'WARM'), timeout=600,
                             headers=dict(headers, **{'Content-Type': 'application/xml'}))
        assert warm.status_code == 200, warm.text[:2000]

        message = schedule(args.requests, 'B2MML')
        start = time.perf_counter()
        response = requests.post(base + '/mes/b2mml', data=message, timeout=900,
                                 headers=dict(headers, **{'Content-Type': 'application/xml'}))
        ours = time.perf_counter() - start
        assert response.status_code == 200, response.text[:2000]
        start = time.perf_counter()
        again = requests.post(base + '/mes/b2mml', data=message, timeout=900,
                              headers=dict(headers, **{'Content-Type': 'application/xml'}))
        replay = time.perf_counter() - start
        assert again.content == response.content
        created, states, workorders = count_orders('B2MML')
        print('# B2MML: %d requests (%d kB) -> %d orders %s, %d work orders in %.1f s; the '
              'same message again answered in %.2f s' % (
                  args.requests, len(message) // 1024, created, sorted(states), workorders,
                  ours, replay))
        assert created == args.requests and states == {'confirmed'}

        # baseline: the same orders over JSON-2, create then confirm
        values = [{'product_id': product_id, 'bom_id': bom_id, 'product_qty': 100 + i % 50,
                   'origin': 'JSON2-%05d' % i,
                   'date_start': '2026-12-%02d 06:00:00' % (7 + i % 20),
                   'date_deadline': '2026-12-%02d 18:00:00' % (8 + i % 20),
                   'priority': '1' if i % 5 == 0 else '0'} for i in range(args.requests)]
        start = time.perf_counter()
        created_ids = requests.post(base + '/json/2/mrp.production/create', timeout=900,
                                    json={'vals_list': values}, headers=headers)
        assert created_ids.status_code == 200, created_ids.text[:2000]
        confirmed = requests.post(base + '/json/2/mrp.production/action_confirm', timeout=900,
                                  json={'ids': created_ids.json()}, headers=headers)
        baseline = time.perf_counter() - start
        assert confirmed.status_code == 200, confirmed.text[:2000]
        created, states, workorders = count_orders('JSON2')
        print('# JSON-2 baseline: %d orders %s, %d work orders in %.1f s' % (
            created, sorted(states), workorders, baseline))
        assert created == args.requests and states == {'confirmed'}
    finally:
        server.terminate()
        server.wait(30)
    print('RESULT name=b2mml requests=%d seconds=%.1f replay_s=%.2f baseline_json2_s=%.1f '
          'ratio=%.2f' % (args.requests, ours, replay, baseline, ours / baseline))


if __name__ == '__main__':
    main()
