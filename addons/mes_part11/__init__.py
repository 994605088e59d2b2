import ast
import csv
import os

from lxml import etree

from . import controllers
from . import models
from . import wizards

# Until mes_bridge 19.0.1.1.0 the Part 11 core was part of it: these models (and their
# tables, rows and external ids) now belong to this addon.
MODELS = (
    'mes.audit.head', 'mes.audit.entry', 'mes.audited', 'mes.signature.meaning',
    'mes.signature.policy', 'mes.signature.policy.line', 'mes.signature', 'mes.signable',
    'mes.signing.input', 'mes.sign.wizard', 'mes.audit.export',
)
# fields this addon adds to Odoo's own models
FIELDS = (
    ('res.users', 'mes_sign_failures'), ('res.users', 'mes_sign_locked'),
    ('res.company', 'mes_sign_max_failures'), ('res.config.settings', 'mes_sign_max_failures'),
)
CONSTRAINTS = ('res_company_mes_sign_max_failures_positive',)
FORMER_OWNER = 'mes_bridge'


def _declared_xmlids():
    """Names of the records this addon's data files declare (its own, not other addons')."""
    root = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(root, '__manifest__.py'), encoding='utf-8') as handle:
        data_files = ast.literal_eval(handle.read())['data']
    names = set()
    for path in data_files:
        full = os.path.join(root, path)
        if path.endswith('.csv'):
            with open(full, encoding='utf-8') as handle:
                names.update(row['id'] for row in csv.DictReader(handle))
        else:
            names.update(node.get('id') for node in etree.parse(full).iter()
                         if isinstance(node.tag, str) and node.get('id'))
    return sorted(name for name in names if '.' not in name)


def pre_init_hook(env):
    """Take over the Part 11 records of a database where mes_bridge carried them.

    Runs before this addon's tables and data load, so that its records are the existing ones
    (meanings keep their ids, signatures keep pointing at them, the audit trail is untouched)
    instead of duplicates, and so that mes_bridge's upgrade does not delete them as records
    it no longer declares.
    """
    cr = env.cr
    cr.execute("SELECT id FROM ir_module_module WHERE name = %s AND state IN "
               "('installed', 'to upgrade', 'to remove')", [FORMER_OWNER])
    former = cr.fetchone()
    if not former:
        return
    cr.execute('SELECT id FROM ir_module_module WHERE name = %s', ['mes_part11'])
    (own,) = cr.fetchone()
    tables = [model.replace('.', '_') for model in MODELS]
    patterns = ['model_%s' % table for table in tables]
    likes = ['field\\_%s\\_\\_%%' % table.replace('_', '\\_') for table in tables]
    likes += ['selection\\_\\_%s\\_\\_%%' % table.replace('_', '\\_') for table in tables]
    likes += ['model\\_inherit\\_\\_%s\\_\\_%%' % table.replace('_', '\\_') for table in tables]
    patterns += ['field_%s__%s' % (model.replace('.', '_'), name) for model, name in FIELDS]
    cr.execute("""
        SELECT c.name FROM ir_model_constraint c JOIN ir_model m ON m.id = c.model
         WHERE c.module = %s AND (m.model = ANY(%s) OR c.name = ANY(%s))
    """, [former[0], list(MODELS), list(CONSTRAINTS)])
    constraints = [row[0] for row in cr.fetchall()]
    patterns += ['constraint_%s' % name for name in constraints]
    patterns += _declared_xmlids()
    cr.execute("""
        UPDATE ir_model_data SET module = 'mes_part11'
         WHERE module = %s AND (name = ANY(%s) OR name LIKE ANY(%s))
    """, [FORMER_OWNER, patterns, likes])
    cr.execute('UPDATE ir_model_constraint SET module = %s WHERE module = %s AND name = ANY(%s)',
               [own, former[0], constraints])
    cr.execute("""
        UPDATE ir_model_relation r SET module = %s FROM ir_model m
         WHERE m.id = r.model AND r.module = %s AND m.model = ANY(%s)
    """, [own, former[0], list(MODELS)])


def uninstall_hook(env):
    """Uninstalling removes the audit trail and signatures (export them first, see
    readme/CONFIGURE.md). Their foreign keys go first, so that the users, meanings and groups
    they point at can be removed; Odoo then drops the tables."""
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
