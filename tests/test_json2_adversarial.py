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
