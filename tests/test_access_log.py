"""The sign-in log against a real server: a refused sign-in is logged although its request is
rolled back, a sign-in and a sign-out are logged with the address they came from.

Requirements: A11d-11, P11-300d"""
import requests


def _authenticate(base_url, db, login, password, session=None):
    session = session or requests.Session()
    response = session.post('%s/web/session/authenticate' % base_url, json={
        'jsonrpc': '2.0', 'method': 'call',
        'params': {'db': db, 'login': login, 'password': password}}, timeout=60)
    assert response.status_code == 200, response.text
    return session, response.json()


def test_sign_ins_failures_and_sign_outs_are_logged(odoo_server, odoo_db, admin_env,
                                                    make_api_user):
    make_api_user('signin_log_user', ['base.group_user'])
    login, password = 'signin_log_user', 'signin_log_user-Secret-2026'

    def log(env):
        return [(entry.event, entry.login, entry.user_id.login or None, entry.ip_address)
                for entry in env['mes.access.log'].search([('login', '=', login)],
                                                          order='id')]
    before = len(admin_env(log))
    _session, answer = _authenticate(odoo_server, odoo_db, login, 'wrong password')
    assert 'error' in answer
    session, answer = _authenticate(odoo_server, odoo_db, login, password)
    assert answer['result']['uid'], answer
    response = session.get('%s/web/session/logout' % odoo_server, timeout=60,
                           allow_redirects=False)
    assert response.status_code in (200, 303), response.status_code
    events = admin_env(log)[before:]
    assert [event[0] for event in events] == ['login_failed', 'login', 'logout'], events
    assert all(event[2] == login and event[3] == '127.0.0.1' for event in events), events
