"""Signing dialogs no longer store the login and password typed into them (they travel in
the button's context only): drop the columns that held them, and their contents.
Signatures keep the wording of their meaning as signed: fill it for those given before."""


def migrate(cr, version):
    for table in ('mes_sign_wizard', 'mes_step_record', 'mes_exception_disposition'):
        cr.execute(f'ALTER TABLE {table} DROP COLUMN IF EXISTS password')  # noqa: S608
        cr.execute(f'ALTER TABLE {table} DROP COLUMN IF EXISTS login')  # noqa: S608
    # signatures given before by-products were covered verify against what they covered
    cr.execute('UPDATE mes_signature SET content_version = 1')
    cr.execute("""
        UPDATE mes_signature s SET meaning_name = m.name
          FROM mes_signature_meaning m
         WHERE m.id = s.meaning_id AND s.meaning_name IS NULL
    """)
