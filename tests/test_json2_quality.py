"""A receiving inspection recorded and decided over JSON-2, as a lab system or the kiosk
would: a real server, API keys, HTTP only. Uses the demo stopper lot waiting in quarantine."""
import json

import pytest

MES = 'mes_bridge.group_mes_%s'


@pytest.fixture(scope='module')
def inspector(make_api_user):
    return make_api_user('json2_inspector', [MES % 'quality_inspector'])


@pytest.fixture(scope='module')
def qa_manager(make_api_user):
    return make_api_user('json2_qa', [MES % 'quality_manager'])


@pytest.fixture(scope='module')
def operator(make_api_user):
    return make_api_user('json2_q_operator', [MES % 'operator'])


def test_receiving_inspection_over_json2(inspector, qa_manager, operator):
    [inspection] = inspector.call('mes.inspection', 'search_read', domain=[
        ('state', '=', 'pending'), ('inspection_type', '=', 'receiving')],
        fields=['name', 'lot_id', 'severity', 'line_ids'])
    # the demo supplier's history switched this product to tightened inspection
    assert inspection['severity'] == 'tightened'
    [line] = inspector.call('mes.inspection.line', 'read', ids=inspection['line_ids'],
                            fields=['sample_size', 'class_plans', 'plan_summary'])
    assert 'tightened' not in line['plan_summary'] and line['sample_size'] >= 125
    ids = [inspection['id']]

    # an operator records nothing; bad input is a clear 422 and records nothing
    denied = operator.raw('mes.inspection', 'mes_record_results', ids=ids, results=[
        {'line_id': line['id'], 'sample_no': 1, 'defects_major': 0}])
    assert denied.status_code == 403, denied.text
    for results, message in [
            ([{'line_id': line['id'], 'sample_no': 1, 'defects_major': 'none'}], 'whole number'),
            ([{'line_id': line['id'], 'sample_no': line['sample_size'] + 1}], 'samples 1 to'),
            ('not a list', 'list of samples')]:
        refused = inspector.raw('mes.inspection', 'mes_record_results', ids=ids,
                                results=results)
        assert refused.status_code == 422, refused.text
        assert message in refused.json()['message']
    [state] = inspector.call('mes.inspection', 'read', ids=ids, fields=['samples_missing'])
    assert state['samples_missing'] == line['sample_size']

    outcome = inspector.call('mes.inspection', 'mes_record_results', ids=ids, results=[
        {'line_id': line['id'], 'sample_no': n, 'defects_major': 1 if n == 7 else 0}
        for n in range(1, line['sample_size'] + 1)])
    assert outcome['samples_missing'] == 0
    # one major defect, judged on the major class's own plan (its first n units)
    major = json.loads(line['class_plans'])['major']
    assert major['sample_size'] >= 7
    expected = 'accept' if major['ac'] >= 1 else 'reject'
    assert outcome['proposed_decision'] == expected

    # the lot waits: not releasable before the decision
    lot_id = inspection['lot_id'][0]
    early = qa_manager.raw('stock.lot', 'write', ids=[lot_id],
                           vals={'mes_release_state': 'released'})
    assert early.status_code == 422 and 'not decided yet' in early.json()['message']

    wrong = inspector.call('mes.inspection', 'mes_decide', ids=ids, login='json2_inspector',
                           password='not-the-password')
    assert wrong['signed'] is False and 'Wrong login or password' in wrong['message']
    decided = inspector.call('mes.inspection', 'mes_decide', ids=ids, login='json2_inspector',
                             password='json2_inspector-Secret-2026')
    assert decided['signed'] is True and decided['decision'] == expected
    again = inspector.raw('mes.inspection', 'mes_decide', ids=ids, login='json2_inspector',
                          password='json2_inspector-Secret-2026')
    assert again.status_code == 422 and 'already decided' in again.json()['message']
    [lot] = qa_manager.call('stock.lot', 'read', ids=[lot_id], fields=['mes_release_state'])
    assert lot['mes_release_state'] == ('quarantine' if expected == 'accept' else 'on_hold')


def test_spc_chart_data_over_json2(inspector):
    [characteristic] = inspector.call('mes.inspection.characteristic', 'search_read', domain=[
        ('name', '=', 'Barrel inner diameter')], fields=['id'])
    chart = inspector.call('mes.inspection.characteristic', 'mes_spc_chart',
                           ids=[characteristic['id']], max_subgroups=5000)
    assert chart['kind'] == 'xbar_r' and len(chart['points']) == 30
    # the demo's drift is flagged, and the capability is computed from the same values
    assert chart['signals']
    assert chart['capability']['n'] == 150
    assert all(key in chart['points'][0] for key in ('lot', 'operator', 'time', 'rules'))
