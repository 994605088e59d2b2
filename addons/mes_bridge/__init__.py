from . import controllers
from . import models
from . import wizards


def post_init_hook(env):
    """A database with production history gets its lot genealogy at install, in bulk."""
    env['mes.lot.link']._mes_backfill()


def uninstall_hook(env):
    """Uninstalling the MES removes its records, the audit trail and signatures included
    (export them first, see readme/CONFIGURE.md). Their foreign keys go first, so that the
    users, meanings and groups they point at can be removed; Odoo then drops the tables."""
    env.cr.execute("""
        DO $$
        DECLARE fk record;
        BEGIN
            FOR fk IN SELECT conrelid::regclass AS tbl, conname FROM pg_constraint
                       WHERE contype = 'f'
                         AND conrelid::regclass::text IN ('mes_audit_entry', 'mes_signature')
            LOOP
                EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', fk.tbl, fk.conname);
            END LOOP;
        END $$;
    """)
    env.cr.execute('DROP FUNCTION IF EXISTS mes_audit_entry_refuse_change() CASCADE')
