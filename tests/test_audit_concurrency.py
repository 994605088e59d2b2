"""Two transactions appending to the audit trail at the same time never fork the chain.

Real PostgreSQL, real commits, two connections: the later committer gets a serialization
failure (which Odoo's request and cron runners retry) instead of a second branch.
"""
import psycopg2.errors
import pytest

from odoo import SUPERUSER_ID, api


def _lot_ids(admin_env):
    def find(env):
        return env['stock.lot'].search([('mes_release_state', '=', 'released')], limit=2).ids
    return admin_env(find)


def test_concurrent_appends_serialise(registry, admin_env):
    first_id, second_id = _lot_ids(admin_env)
    with registry.cursor() as cr_a, registry.cursor() as cr_b:
        env_a = api.Environment(cr_a, SUPERUSER_ID, {})
        env_b = api.Environment(cr_b, SUPERUSER_ID, {})
        # A starts its transaction (snapshot) and changes a lot
        env_a['stock.lot'].browse(first_id).write({'mes_release_state': 'on_hold',
                                                   'mes_release_reason': 'concurrency A'})
        env_a.flush_all()
        # B changes another lot and commits first: the chain head moves
        env_b['stock.lot'].browse(second_id).write({'mes_release_state': 'on_hold',
                                                    'mes_release_reason': 'concurrency B'})
        cr_b.commit()
        # A's append must not chain onto the head it saw: it fails and is rolled back
        with pytest.raises(psycopg2.errors.SerializationFailure):
            cr_a.commit()
        cr_a.rollback()
    # the retry (what Odoo does for a request) succeeds on the new head
    def retry(env):
        env['stock.lot'].browse(first_id).write({'mes_release_state': 'on_hold',
                                                 'mes_release_reason': 'concurrency A'})
    admin_env(retry)

    def check(env):
        assert env['mes.audit.entry'].verify_chain() is False
        reasons = env['mes.audit.entry'].search(
            [('reason', 'in', ['concurrency A', 'concurrency B']),
             ('field_name', '=', 'mes_release_state')]).mapped('reason')
        assert sorted(reasons) == ['concurrency A', 'concurrency B']
        # put the lots back for the other tests
        env['stock.lot'].browse([first_id, second_id]).write({
            'mes_release_state': 'released', 'mes_release_reason': 'concurrency test done'})
    admin_env(check)
