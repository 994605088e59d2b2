from odoo import api, fields, models

from ..lib import integrity


class MesAuditHead(models.Model):
    """The audit chain's head: number and hash of the last entry, in one row.

    Appends lock this row, which serialises them, and move it in the statement that inserts
    their entries; the verifier compares the chain's end with it, which exposes entries cut
    off the tail. Written with SQL only (see mes.audit.entry._mes_append).
    """
    _name = 'mes.audit.head'
    _description = 'Audit Trail Head'
    _log_access = False

    last_seq = fields.Integer(readonly=True)
    last_hash = fields.Char(readonly=True)

    def init(self):
        self.env.cr.execute("""
            INSERT INTO mes_audit_head (id, last_seq, last_hash)
            SELECT 1, 0, %s WHERE NOT EXISTS (SELECT 1 FROM mes_audit_head WHERE id = 1)
        """, [integrity.GENESIS])

    @api.model
    def _mes_lock(self):
        self.env.cr.execute(
            'SELECT last_seq, last_hash FROM mes_audit_head WHERE id = 1 FOR UPDATE')
        return self.env.cr.fetchone()

    @api.model
    def _mes_read(self):
        """(last_seq, last_hash) as this transaction sees them (after its own appends)."""
        self.env['mes.audit.entry']._mes_write_pending()
        self.env.cr.execute(integrity.HEAD_SELECT)
        return self.env.cr.fetchone()
