from odoo import fields, models


class MesAuditCheckpoint(models.Model):
    _inherit = 'mes.audit.checkpoint'

    def _mes_on_written(self):
        """Publish the checkpoint through the outbox: subscribers (a webhook, a broker) keep
        a copy of the anchor in another system."""
        result = super()._mes_on_written()
        Event = self.env['mes.event'].sudo()
        for checkpoint in self:
            Event._mes_emit('audit.checkpoint', checkpoint, {
                'line': checkpoint.line_no, 'database': checkpoint.db_uuid,
                'epoch': checkpoint.epoch, 'key': checkpoint.key_id, 'seq': checkpoint.seq,
                'hash': checkpoint.chain_hash,
                'time': fields.Datetime.to_string(checkpoint.checkpoint_time),
                'reason': checkpoint.reason, 'reference': checkpoint.reference or None,
                'signature': checkpoint.signature, 'line_sha256': checkpoint.line_hash})
        return result
