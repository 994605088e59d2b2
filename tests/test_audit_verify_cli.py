"""The command-line verifier an auditor runs: ``python3 -m odoo mes_audit_verify -d DB``.

Runs as a separate process against the test database (committed data, real triggers).
"""
import subprocess
import sys


def run_cli(odoo_args):
    # the addons path must come first so that Odoo finds the addon's command
    addons = odoo_args[odoo_args.index('--addons-path') + 1]
    rest = [a for i, a in enumerate(odoo_args)
            if a != '--addons-path' and (i == 0 or odoo_args[i - 1] != '--addons-path')]
    return subprocess.run(
        [sys.executable, '-m', 'odoo', '--addons-path=%s' % addons, 'mes_audit_verify'] + rest,
        capture_output=True, text=True, timeout=300)


def test_cli_reports_an_intact_trail(odoo_args):
    result = run_cli(odoo_args)
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'Audit trail intact' in result.stdout


def test_cli_names_the_tampered_entry_and_fails(odoo_args, admin_env):
    """A superuser disables the trigger and edits a committed entry: the CLI exits 1 and
    names that entry. The original text is put back afterwards."""
    def tamper(env):
        cr = env.cr
        cr.execute('SELECT id, reason FROM mes_audit_entry ORDER BY seq LIMIT 1 OFFSET 3')
        victim, reason = cr.fetchone()
        cr.execute('ALTER TABLE mes_audit_entry DISABLE TRIGGER mes_audit_entry_no_update_delete')
        cr.execute("UPDATE mes_audit_entry SET reason = 'backdated' WHERE id = %s", [victim])
        cr.execute('ALTER TABLE mes_audit_entry ENABLE TRIGGER mes_audit_entry_no_update_delete')
        return victim, reason

    victim, reason = admin_env(tamper)
    try:
        result = run_cli(odoo_args)
        assert result.returncode == 1, result.stdout + result.stderr
        assert 'BROKEN at entry id %s' % victim in result.stdout
    finally:
        def restore(env):
            env.cr.execute('ALTER TABLE mes_audit_entry DISABLE TRIGGER '
                           'mes_audit_entry_no_update_delete')
            env.cr.execute('UPDATE mes_audit_entry SET reason = %s WHERE id = %s',
                           [reason, victim])
            env.cr.execute('ALTER TABLE mes_audit_entry ENABLE TRIGGER '
                           'mes_audit_entry_no_update_delete')
        admin_env(restore)
    assert run_cli(odoo_args).returncode == 0


def test_cli_without_database_is_a_clear_error(odoo_args):
    addons = odoo_args[odoo_args.index('--addons-path') + 1]
    result = subprocess.run(
        [sys.executable, '-m', 'odoo', '--addons-path=%s' % addons, 'mes_audit_verify'],
        capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert 'needs exactly one database' in result.stdout + result.stderr
