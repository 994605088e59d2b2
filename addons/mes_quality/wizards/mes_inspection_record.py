from odoo import _, api, fields, models
from odoo.exceptions import UserError


class MesInspectionRecord(models.TransientModel):
    """The grid an inspector fills for one characteristic: one row per sample still to
    record. Saved all at once through ``mes.inspection.mes_record_results`` (the same entry
    point as JSON-2), so one bad entry refuses the whole grid with its reason."""
    _name = 'mes.inspection.record'
    _description = 'Record Inspection Results'

    line_id = fields.Many2one('mes.inspection.line', required=True, readonly=True)
    characteristic_type = fields.Selection(related='line_id.characteristic_type')
    gauge_required = fields.Boolean(related='line_id.characteristic_id.gauge_required')
    gauge = fields.Char(help='Code of the measuring gauge used for these samples.')
    row_ids = fields.One2many('mes.inspection.record.row', 'wizard_id')

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        line = self.env['mes.inspection.line'].browse(values.get('line_id') or
                                                      self.env.context.get('default_line_id'))
        if line:
            done = set(line.result_ids.mapped('sample_no'))
            values['row_ids'] = [(0, 0, {'sample_no': n})
                                 for n in range(1, line.sample_size + 1) if n not in done]
        return values

    def action_record(self):
        self.ensure_one()
        inspection = self.line_id.inspection_id
        rows = self.row_ids.filtered(lambda r: (r.value or '').strip() or r.defects_critical
                                     or r.defects_major or r.defects_minor
                                     or self.characteristic_type == 'attribute')
        if not rows:
            raise UserError(_('Enter at least one result.'))
        inspection.mes_record_results([{
            'line_id': self.line_id.id, 'sample_no': row.sample_no, 'value': row.value,
            'gauge': self.gauge,
            'defects_critical': row.defects_critical, 'defects_major': row.defects_major,
            'defects_minor': row.defects_minor} for row in rows])
        return {'type': 'ir.actions.act_window_close'}


class MesInspectionRecordRow(models.TransientModel):
    _name = 'mes.inspection.record.row'
    _description = 'Inspection Result Entry'
    _order = 'sample_no'

    wizard_id = fields.Many2one('mes.inspection.record', required=True, ondelete='cascade')
    sample_no = fields.Integer(string='Sample', readonly=True)
    value = fields.Char(help='The value as read on the gauge.')
    defects_critical = fields.Integer(string='Critical')
    defects_major = fields.Integer(string='Major')
    defects_minor = fields.Integer(string='Minor')
