from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

TAG_MEANINGS = [
    ('parameter', 'Process parameter'),
    ('state', 'Machine state'),
    ('good_count', 'Good count'),
    ('total_count', 'Total count'),
    ('alarm', 'Alarm'),
]


class MesOpcuaTag(models.Model):
    """One OPC UA node mapped to an equipment and a meaning."""
    _name = 'mes.opcua.tag'
    _inherit = ['mes.audited']
    _description = 'OPC UA Tag'
    # which signal means what, and its limits, decide what the process record says
    # (configuration under change control, Annex 11 section 10)
    _mes_audit_fields = ('server_id', 'node_id', 'name', 'equipment_id', 'meaning', 'uom_id',
                         'lower_limit', 'upper_limit', 'has_limits', 'sampling_interval',
                         'deadband', 'gap_tolerance', 'record_critical', 'state_map', 'active')
    _mes_audit_no_delete = False
    _order = 'server_id, equipment_id, name'

    server_id = fields.Many2one('mes.opcua.server', required=True, ondelete='cascade',
                                index=True)
    node_id = fields.Char(string='Node ID', required=True, help='e.g. ns=2;s=IMM-01.BarrelTemp')
    name = fields.Char(required=True)
    equipment_id = fields.Many2one('maintenance.equipment', required=True, index=True)
    meaning = fields.Selection(TAG_MEANINGS, required=True, default='parameter')
    uom_id = fields.Many2one('uom.uom', string='Unit')
    lower_limit = fields.Float()
    upper_limit = fields.Float()
    has_limits = fields.Boolean(string='Check Limits')
    sampling_interval = fields.Integer(string='Sampling (ms)', default=500)
    deadband = fields.Float(help='Absolute deadband: smaller changes are not reported.')
    gap_tolerance = fields.Float(
        string='Gap Tolerance (s)', default=2.0,
        help='How much longer than its sampling interval (for a tag with a deadband: the '
             "subscription's keep-alive) the tag may stay silent before the collector counts "
             'a gap: read back from the server history, or recorded as a data gap.')
    compression_error = fields.Float(
        help='Swinging-door compression at the collector: a value is stored only when the '
             'trend drawn between stored values would otherwise deviate more than this (in the '
             "tag's unit) from a value the machine reported. 0: every reported value is "
             'stored. Limit crossings and values that are not Good are always stored.')
    compression_max_interval = fields.Integer(
        string='Store at Least Every (s)', default=60,
        help='With compression: a value is stored at least this often, even when steady.')
    retention_id = fields.Many2one(
        'mes.process.retention', string='Retention Class',
        help='How long raw values are kept (without a class: the longest of the classes, or '
             'for ever when there is none).')
    record_critical = fields.Boolean(
        string='Critical for the Record',
        help='Its raw values are part of the production record: archived (compressed file, '
             'SHA-256 in the manifest) when their partition is dropped, never deleted.')
    state_map = fields.Char(
        default='1:running,2:idle,3:down,4:setup,5:maintenance',
        help='Machine-state tags: value:state pairs, states running, idle, down, setup, '
             'maintenance.')
    active = fields.Boolean(default=True)

    _node_unique = models.Constraint('UNIQUE (server_id, node_id)',
                                     'A node is mapped once per server.')

    def action_mes_trend(self):
        """The trend of these tags over the last eight hours."""
        return {'type': 'ir.actions.client', 'tag': 'mes_process_trend',
                'name': _('Process Trends'), 'params': {'tag_ids': self.ids}}

    @api.constrains('compression_error', 'compression_max_interval')
    def _check_compression(self):
        for tag in self:
            if tag.compression_error < 0 or tag.compression_max_interval < 0:
                raise ValidationError(_('Tag %(tag)s: the compression error and interval cannot '
                                        'be negative.', tag=tag.name))

    @api.constrains('state_map', 'meaning')
    def _check_state_map(self):
        valid = {'running', 'idle', 'down', 'setup', 'maintenance'}
        for tag in self.filtered(lambda t: t.meaning == 'state'):
            try:
                pairs = dict(item.split(':') for item in (tag.state_map or '').split(','))
            except ValueError:
                pairs = None
            if not pairs or not set(pairs.values()) <= valid:
                raise ValidationError(_('Tag %(tag)s: the state map must read like '
                                        '"1:running,2:idle,3:down".', tag=tag.name))
