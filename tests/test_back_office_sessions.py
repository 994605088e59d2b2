"""Back-office sessions against a real server: a password an administrator set must be
replaced before anything else answers, and a session idle for longer than the company allows
is signed out by the server (the sign-in log says so).

Requirements: A11d-11, P11-300b, P11-300c, P11-10d"""
import glob
import json
import os
import re

import requests

LOGIN = 'session_rules_user'
PASSWORD = LOGIN + '-Secret-2026'


def _authenticate(base_url, db, login, password):
    session = requests.Session()
    response = session.post('%s/web/session/authenticate' % base_url, json={
        'jsonrpc': '2.0', 'method': 'call',
        'params': {'db': db, 'login': login, 'password': password}}, timeout=60)
    assert response.status_code == 200, response.text
    return session, response.json()


def _call(session, base_url, model, method, *args):
    response = session.post('%s/web/dataset/call_kw/%s/%s' % (base_url, model, method), json={
        'jsonrpc': '2.0', 'method': 'call', 'params': {
            'model': model, 'method': method, 'args': list(args), 'kwargs': {}}}, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def _idle_poll(session, base_url, active=False):
    response = session.post('%s/mes/session/idle' % base_url, json={
        'jsonrpc': '2.0', 'method': 'call', 'params': {'active': active}}, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def _unlock(admin_env, user_id):
    """Wrong passwords below count towards the lockout: each test starts unlocked."""
    admin_env(lambda env: env['res.users'].browse(user_id).write(
        {'mes_sign_locked': False, 'mes_sign_failures': 0}))


def _user(admin_env):
    def find(env):
        user = env['res.users'].search([('login', '=', LOGIN)])
        return user.id, user.mes_password_change_required
    return admin_env(find)


def test_a_password_set_by_an_administrator_must_be_replaced_first(
        odoo_server, odoo_db, admin_env, make_api_user):
    make_api_user(LOGIN, ['base.group_user'])
    admin = make_api_user('session_rules_admin', ['base.group_system'])
    user_id, _flag = _user(admin_env)
    _unlock(admin_env, user_id)
    # the administrator resets the password through JSON-2 (any caller is a reset)
    admin.call('res.users', 'write', ids=[user_id], vals={'password': 'Given-by-admin-2026'})
    assert _user(admin_env)[1] is True
    session, answer = _authenticate(odoo_server, odoo_db, LOGIN, 'Given-by-admin-2026')
    assert answer['result']['uid'] == user_id, answer
    # the back office sends them to the password page, and nothing else answers
    page = session.get(odoo_server + '/odoo/action-base.action_res_users', timeout=60,
                       allow_redirects=False)
    assert page.status_code in (302, 303), page.status_code
    assert page.headers['Location'].endswith(
        '/mes/password?redirect=%2Fodoo%2Faction-base.action_res_users'), page.headers
    refused = _call(session, odoo_server, 'res.partner', 'search_read', [])
    assert 'set by an administrator' in refused['error']['data']['message'], refused
    form = session.get(odoo_server + '/mes/password', timeout=60)
    assert form.status_code == 200 and 'Choose your password' in form.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)

    def submit(old, new, confirm):
        return session.post(odoo_server + '/mes/password', data={
            'csrf_token': token, 'redirect': '/odoo', 'old_password': old,
            'new_password': new, 'confirm_password': confirm}, timeout=60,
            allow_redirects=False)
    # a wrong current password, a mismatch, or keeping the given one change nothing
    for old, new, confirm, message in (
            ('not the one', 'Mine-only-2026', 'Mine-only-2026', 'current password is wrong'),
            ('Given-by-admin-2026', 'Mine-only-2026', 'Mine-0nly-2026', 'confirmation differ'),
            ('Given-by-admin-2026', 'Given-by-admin-2026', 'Given-by-admin-2026',
             'different from the one')):
        refused = submit(old, new, confirm)
        assert refused.status_code == 200 and message in refused.text, refused.text[-2000:]
        assert _user(admin_env)[1] is True
    changed = submit('Given-by-admin-2026', 'Mine-only-2026', 'Mine-only-2026')
    assert changed.status_code in (302, 303) and changed.headers['Location'].endswith('/odoo')
    assert _user(admin_env)[1] is False
    # the same session goes on (its token follows the new password)
    assert 'result' in _call(session, odoo_server, 'res.partner', 'search_count', [])
    assert session.get(odoo_server + '/odoo', timeout=60, allow_redirects=False) \
        .status_code == 200
    # and the given password no longer opens anything
    _session, answer = _authenticate(odoo_server, odoo_db, LOGIN, 'Given-by-admin-2026')
    assert 'error' in answer
    admin_env(lambda env: env['res.users'].browse(user_id).with_user(user_id).sudo()
              ._change_password(PASSWORD))


def _age_sessions(data_dir, user_id, seconds):
    """What the passing of time does to a session: its last activity moves back."""
    aged = 0
    for path in glob.glob(os.path.join(data_dir, 'sessions', '*', '*')):
        try:
            with open(path, encoding='utf-8') as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            continue
        if data.get('uid') == user_id and data.get('mes_last_activity'):
            data['mes_last_activity'] -= seconds
            with open(path, 'w', encoding='utf-8') as handle:
                json.dump(data, handle)
            aged += 1
    return aged


def test_an_idle_back_office_session_is_signed_out_by_the_server(
        odoo_server, odoo_db, admin_env, make_api_user):
    make_api_user(LOGIN, ['base.group_user'])
    user_id, flag = _user(admin_env)
    _unlock(admin_env, user_id)
    if flag:  # left by an interrupted run of the test above
        admin_env(lambda env: env['res.users'].browse(user_id).with_user(user_id).sudo()
                  ._change_password(PASSWORD))

    def set_idle(minutes):
        def write(env):
            company = env['res.users'].browse(user_id).company_id
            previous = company.mes_idle_sign_out_minutes
            company.mes_idle_sign_out_minutes = minutes
            return previous
        return admin_env(write)
    previous = set_idle(2)
    data_dir = os.environ['MES_DATA_DIR']
    try:
        session, answer = _authenticate(odoo_server, odoo_db, LOGIN, PASSWORD)
        assert answer['result']['uid'] == user_id, answer
        assert answer['result']['mes_idle_sign_out_minutes'] == 2
        assert _idle_poll(session, odoo_server)['result'] == {'idle_minutes': 2}
        # a minute and a half without a request, but the user was typing: still signed in
        assert _age_sessions(data_dir, user_id, 90) >= 1
        assert 'result' in _idle_poll(session, odoo_server, active=True)
        assert _age_sessions(data_dir, user_id, 90) >= 1
        assert 'result' in _call(session, odoo_server, 'res.partner', 'search_count', [])
        # three minutes without input: the next request, whatever it is, is refused
        def idle_entries(env):
            return [(entry.event, entry.user_id.id) for entry in env['mes.access.log'].search(
                [('login', '=', LOGIN), ('event', '=', 'logout_idle')], order='id')]
        before = admin_env(idle_entries)
        assert _age_sessions(data_dir, user_id, 180) >= 1
        expired = _idle_poll(session, odoo_server)
        assert expired['error']['data']['name'] == 'odoo.http.SessionExpiredException', expired
        page = session.get(odoo_server + '/odoo', timeout=60, allow_redirects=False)
        assert page.status_code in (302, 303) and '/web/login' in page.headers['Location']
        assert admin_env(idle_entries)[len(before):] == [('logout_idle', user_id)]
        # signing in again starts afresh
        session, answer = _authenticate(odoo_server, odoo_db, LOGIN, PASSWORD)
        assert 'result' in _call(session, odoo_server, 'res.partner', 'search_count', [])
    finally:
        set_idle(previous)


def test_a_locked_account_cannot_sign_in_until_an_administrator_unlocks_it(
        odoo_server, odoo_db, admin_env, make_api_user):
    make_api_user(LOGIN, ['base.group_user'])
    user_id, flag = _user(admin_env)
    _unlock(admin_env, user_id)
    if flag:
        admin_env(lambda env: env['res.users'].browse(user_id).with_user(user_id).sudo()
                  ._change_password(PASSWORD))

    def events(env):
        return [entry.event for entry in env['mes.access.log'].search(
            [('login', '=', LOGIN)], order='id')]
    before = len(admin_env(events))
    limit = admin_env(lambda env: env['res.users'].browse(user_id).company_id
                      .mes_sign_max_failures)
    for _attempt in range(limit):
        _session, answer = _authenticate(odoo_server, odoo_db, LOGIN, 'a guess')
        assert 'error' in answer
    # the right password no longer opens the account: no timed cooldown, an administrator
    _session, answer = _authenticate(odoo_server, odoo_db, LOGIN, PASSWORD)
    assert 'error' in answer, answer
    assert admin_env(events)[before:] == ['login_failed'] * (limit + 1)

    def unlock(env):
        manager = env['res.users'].search([('login', '=', 'session_rules_er_admin')])
        env['res.users'].browse(user_id).with_user(manager).action_mes_unlock_signing()
    make_api_user('session_rules_er_admin', ['base.group_user',
                                             'mes_part11.group_part11_manager'])
    admin_env(unlock)
    _session, answer = _authenticate(odoo_server, odoo_db, LOGIN, PASSWORD)
    assert answer['result']['uid'] == user_id, answer
