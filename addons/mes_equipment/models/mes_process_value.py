from odoo import fields, models


class MesProcessValue(models.Model):
    """A process sample from a machine. High volume: written by the collector in batches
    with SQL (idempotent on tag + source time), read through the ORM."""
    _name = 'mes.process.value'
    # the data dictionary's units (mes.integration.catalogue)
    _mes_field_units = {'value': 'the unit of the tag (tag_id.uom_id)'}
    _description = 'Process Value'
    _order = 'source_ts desc, id desc'
    _log_access = False

    tag_id = fields.Many2one('mes.opcua.tag', required=True, ondelete='restrict', index=True)
    equipment_id = fields.Many2one('maintenance.equipment', ondelete='restrict', index=True)
    workorder_id = fields.Many2one('mrp.workorder', ondelete='set null', index=True)
    production_id = fields.Many2one('mrp.production', ondelete='set null', index=True)
    value = fields.Float(digits=(16, 6))
    source_ts = fields.Datetime(string='Source Time (UTC)', required=True)
    server_ts = fields.Datetime(string='Server Time (UTC)')
    written_ts = fields.Datetime(string='Stored (UTC)')
    status = fields.Char(string='Status Code')
    backfilled = fields.Boolean(
        help="Read back from the server's history after the collector was not listening "
             "(a crash, a restart, a lost connection).")

    _tag_time_unique = models.Constraint('UNIQUE (tag_id, source_ts)',
                                         'A sample is stored once per tag and source time.')
    _equipment_time_index = models.Index('(equipment_id, source_ts)')
