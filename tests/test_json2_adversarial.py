"""Hostile calls over JSON-2 against a real server (issue 9): what a script with a user's API
key can send, including context keys, and what must survive the request's rollback."""
import pytest

MES = 'mes_bridge.group_mes_%s'


@pytest.fixture(scope='module')
def locked_operator(make_api_user):
    return make_api_user('json2_lock_operator', [MES % 'operator'])


def sign_failures(admin_env, login):
    return admin_env(lambda env: env['res.users'].search([('login', '=', login)]).read(
        ['mes_sign_failures', 'mes_sign_locked'])[0])


def test_f13_failed_password_checks_count_although_the_request_fails(locked_operator, admin_env):
    login = 'json2_lock_operator'
    admin_env(lambda env: env['res.users'].search([('login', '=', login)]).sudo().write(
        {'mes_sign_failures': 0, 'mes_sign_locked': False}))
    for attempt in (1, 2):
        denied = locked_operator.raw('res.users', 'change_password',
                                     old_passwd='guess-%d' % attempt, new_passwd='x-Secret-2026')
        assert denied.status_code in (401, 403), denied.text
        # the request was rolled back; the count was not
        assert sign_failures(admin_env, login)['mes_sign_failures'] == attempt
    denied = locked_operator.raw('res.users', 'change_password', old_passwd='guess-3',
                                 new_passwd='x-Secret-2026')
    assert denied.status_code in (401, 403)
    assert sign_failures(admin_env, login)['mes_sign_locked'] is True
    # locked: even the right password gets only "locked", and changes nothing
    right = locked_operator.raw('res.users', 'change_password',
                                old_passwd=login + '-Secret-2026', new_passwd='x-Secret-2026')
    assert right.status_code in (401, 403)
    assert 'locked' in right.json()['message']


def test_f17_context_sent_by_the_caller_names_no_origin_or_reason(make_api_user, admin_env):
    qa = make_api_user('json2_hostile_qa', [MES % 'quality_manager'])
    lot_id = admin_env(lambda env: env['stock.lot'].search(
        [('mes_release_state', '=', 'released')], limit=1).id)
    qa.call('stock.lot', 'write', ids=[lot_id],
            vals={'mes_release_state': 'on_hold', 'mes_release_reason': 'Complaint C-17'},
            context={'mes_origin': 'kiosk', 'mes_audit_reason': 'Approved by the CEO',
                     'cron_id': 1})
    entry = admin_env(lambda env: env['mes.audit.entry'].search([
        ('res_model', '=', 'stock.lot'), ('res_id', '=', lot_id),
        ('field_name', '=', 'mes_release_state')], order='id desc', limit=1).read(
        ['origin', 'reason'])[0])
    assert (entry['origin'], entry['reason']) == ('json2', 'Complaint C-17')


def test_refused_start_raises_an_error_and_its_exception_survives(make_api_user, admin_env):
    """Starting a work order on unusable equipment answers with an error (the start is
    rolled back) and the refusal is on record for QA all the same (issue 9)."""
    supervisor = make_api_user('json2_start_supervisor', [MES % 'supervisor',
                                                          'mrp.group_mrp_manager'])
    operator = make_api_user('json2_start_operator', [MES % 'operator'])

    def prepare(env):
        bom = env['mrp.bom'].search([('code', '=', 'DMR-SYR-5ML'),
                                     ('mes_approval_state', '=', 'approved')])
        production = env['mrp.production'].create({
            'product_id': bom.product_tmpl_id.product_variant_id.id, 'product_qty': 10,
            'bom_id': bom.id})
        return production.id
    mo_id = admin_env(prepare)
    assert supervisor.call('mrp.production', 'action_mes_release', ids=[mo_id]) is True
    [workorder] = supervisor.call('mrp.workorder', 'search_read', domain=[
        ('production_id', '=', mo_id)], fields=['workcenter_id'], order='sequence, id', limit=1)

    def block(env):
        equipment = env['maintenance.equipment'].search(
            [('mes_workcenter_id', '=', workorder['workcenter_id'][0])], limit=1)
        assert equipment, 'the demo work center has equipment'
        return env['maintenance.request'].create({
            'name': 'Cracked cavity (json2 test)', 'equipment_id': equipment.id,
            'mes_blocks_use': True}).id
    request_id = admin_env(block)
    try:
        refused = operator.raw('mrp.workorder', 'button_start', ids=[workorder['id']])
        assert refused.status_code >= 400, refused.text
        assert 'cannot start' in refused.json()['message'], refused.text
        assert 'recorded as exception' in refused.json()['message'], refused.text
        state = admin_env(lambda env: env['mrp.workorder'].browse(workorder['id']).state)
        assert state != 'progress'
        kinds = admin_env(lambda env: env['mes.exception'].search(
            [('workorder_id', '=', workorder['id'])]).mapped('kind'))
        assert kinds == ['equipment_unusable'], kinds
    finally:
        admin_env(lambda env: env['maintenance.request'].browse(request_id).write(
            {'mes_blocks_use': False}))
