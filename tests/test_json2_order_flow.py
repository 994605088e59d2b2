"""One manufacturing order driven from release to done over JSON-2, as an outside
system (ERP connector, kiosk back end) would: a real server, API keys, HTTP only."""
import datetime

import pytest

MES = 'mes_bridge.group_mes_%s'


@pytest.fixture(scope='module')
def supervisor(make_api_user):
    return make_api_user('json2_supervisor', [MES % 'supervisor', 'mrp.group_mrp_manager'])


@pytest.fixture(scope='module')
def operator(make_api_user):
    return make_api_user('json2_operator', [MES % 'operator'])


def released_lot_for(client, product_id):
    now = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M:%S')
    quants = client.call('stock.quant', 'search_read', domain=[
        ('product_id', '=', product_id), ('location_id.usage', '=', 'internal'),
        ('quantity', '>', 0), ('lot_id.mes_release_state', '=', 'released'),
        '|', ('lot_id.expiration_date', '=', False),
        ('lot_id.expiration_date', '>', now)], fields=['lot_id'])
    assert quants, 'no released stock of product %s' % product_id
    return quants[0]['lot_id'][1]


def test_full_order_from_release_to_done(supervisor, operator):
    bom = supervisor.call('mrp.bom', 'search_read', domain=[
        ('code', '=', 'DMR-SYR-5ML'), ('mes_approval_state', '=', 'approved')],
        fields=['product_tmpl_id', 'mes_version'])
    assert len(bom) == 1, bom
    bom = bom[0]
    product = supervisor.call('product.product', 'search_read', domain=[
        ('product_tmpl_id', '=', bom['product_tmpl_id'][0])], fields=['id'])[0]
    [mo_id] = supervisor.call('mrp.production', 'create', vals_list=[{
        'product_id': product['id'], 'product_qty': 100, 'bom_id': bom['id']}])

    # an operator may not release: 403 with Odoo's message, nothing released
    denied = operator.raw('mrp.production', 'action_mes_release', ids=[mo_id])
    assert denied.status_code == 403, denied.text
    assert 'MES Supervisor' in denied.json()['message']

    assert supervisor.call('mrp.production', 'action_mes_release', ids=[mo_id]) is True
    [mo] = supervisor.call('mrp.production', 'read', ids=[mo_id],
                           fields=['state', 'mes_state', 'mes_bom_version', 'mes_step_count'])
    assert (mo['mes_state'], mo['mes_bom_version']) == ('released', bom['mes_version'])
    assert mo['mes_step_count'] == 24

    workorders = supervisor.call('mrp.workorder', 'search_read', domain=[
        ('production_id', '=', mo_id)], fields=['name'], order='sequence, id')
    assert len(workorders) == 6
    scanned = set()
    for index, workorder in enumerate(workorders):
        operator.call('mrp.workorder', 'button_start', ids=[workorder['id']])
        steps = operator.call('mes.step.execution', 'search_read', domain=[
            ('workorder_id', '=', workorder['id'])], order='sequence, id', fields=[
            'name', 'step_type', 'target', 'decimals', 'product_id', 'expected_equipment',
            'signature_meaning'])
        if index == 0:
            # steps are enforced in order, the refusal is a clear 422 and writes nothing
            out_of_order = operator.raw('mes.step.execution', 'mes_record',
                                        ids=[steps[-1]['id']], passed=True)
            assert out_of_order.status_code == 422, out_of_order.text
            assert 'in order' in out_of_order.json()['message']
        for step in steps:
            kind = step['step_type']
            params = {}
            if kind == 'measurement':
                params['value'] = '%.*f' % (step['decimals'], step['target'])
            elif kind == 'material':
                if index == 0:
                    # the resin lot on hold is refused, recorded, and the step stays open
                    refused = operator.call('mes.step.execution', 'mes_record',
                                            ids=[step['id']], code='RES-2409-007')
                    assert refused['accepted'] is False
                    assert 'RES-2409-007' in refused['message']
                    assert refused['exception_id']
                params['code'] = released_lot_for(operator, step['product_id'][0])
                scanned.add(params['code'])
            elif kind == 'equipment':
                params['code'] = step['expected_equipment']
            elif kind == 'check':
                params['passed'] = True
            signer = operator
            if kind == 'signature' and step['signature_meaning'] == 'verified':
                # a verification is a second person's signature: segregation of duties
                denied = operator.raw('mes.step.execution', 'mes_record', ids=[step['id']],
                                      login='json2_operator',
                                      password='json2_operator-Secret-2026')
                assert denied.status_code == 403, denied.text
                assert 'Segregation of duties' in denied.json()['message']
                signer = supervisor
                params.update(login='json2_supervisor', password='json2_supervisor-Secret-2026')
            elif kind == 'signature':
                params.update(login='json2_operator', password='json2_operator-Secret-2026')
            result = signer.call('mes.step.execution', 'mes_record', ids=[step['id']], **params)
            assert result['accepted'] is True, result
            assert result['result'] == 'pass', (step['name'], result)
        if index == 0:
            # the order cannot be done while steps of later work orders are open
            blocked = supervisor.raw('mrp.production', 'button_mark_done', ids=[mo_id])
            assert blocked.status_code == 422, blocked.text
            assert 'open step' in blocked.json()['message']
        operator.call('mrp.workorder', 'button_finish', ids=[workorder['id']])

    supervisor.call('mrp.production', 'action_generate_serial', ids=[mo_id])
    supervisor.call('mrp.production', 'button_mark_done', ids=[mo_id])
    [mo] = supervisor.call('mrp.production', 'read', ids=[mo_id], fields=[
        'state', 'mes_state', 'mes_step_progress', 'mes_open_exception_count',
        'lot_producing_ids'])
    assert (mo['state'], mo['mes_state'], mo['mes_step_progress']) == ('done', 'done', 100.0)
    assert mo['mes_open_exception_count'] == 1  # the refused resin scan, kept for review
    finished_lot = supervisor.call('stock.lot', 'read', ids=mo['lot_producing_ids'],
                                   fields=['mes_release_state'])
    assert finished_lot[0]['mes_release_state'] == 'quarantine'
    # Odoo's own traceability sees exactly the lots that were scanned
    consumed = supervisor.call('stock.move.line', 'search_read', domain=[
        ('move_id.raw_material_production_id', '=', mo_id), ('state', '=', 'done')],
        fields=['lot_id'])
    assert {line['lot_id'][1] for line in consumed} == scanned
    records = supervisor.call('mes.step.execution', 'search_read', domain=[
        ('production_id', '=', mo_id)], fields=['state', 'operator_id', 'date_done'])
    assert all(r['state'] == 'done' and r['operator_id'] and r['date_done'] for r in records)
    assert {r['operator_id'][1] for r in records} == {'Json2 Operator', 'Json2 Supervisor'}
    # the genealogy of the finished lot, as an outside system asks for it
    trace = supervisor.call('stock.lot', 'mes_trace', ids=mo['lot_producing_ids'][:1],
                            direction='backward')
    assert trace['direction'] == 'backward'
    assert {node['lot_name'] for node in trace['nodes'] if node['level'] == 1} == scanned
    assert {edge['to_lot_id'] for edge in trace['edges']} == {mo['lot_producing_ids'][0]}
    # the audit trail knows these results came in over JSON-2, and from whom
    trail = supervisor.call('mes.audit.entry', 'search_read', domain=[
        ('res_model', '=', 'mes.step.execution'), ('res_id', 'in', [r['id'] for r in records]),
        ('field_name', '=', 'state'), ('operation', '=', 'write')],
        fields=['origin', 'user_name', 'new_value'])
    assert len(trail) == len(records)
    assert {(t['origin'], t['new_value']) for t in trail} == {('json2', 'done')}
    assert {t['user_name'] for t in trail} == {'Json2 Operator', 'Json2 Supervisor'}
