"""Plain PostgreSQL helpers for tests that install the addons in databases of their own
(install / uninstall, upgrade): connect, query, drop."""
import os

import psycopg2


def connect(dbname):
    return psycopg2.connect(dbname=dbname, host=os.environ.get('PGHOST', '127.0.0.1'),
                            port=os.environ.get('PGPORT', '5432'),
                            user=os.environ.get('PGUSER') or None,
                            password=os.environ.get('PGPASSWORD') or None)


def query(db, sql, params=()):
    conn = connect(db)
    try:
        cur = conn.cursor()
        cur.execute(sql, params)
        return cur.fetchall()
    finally:
        conn.close()


def drop(name):
    conn = connect('postgres')
    conn.autocommit = True
    conn.cursor().execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
    conn.close()
