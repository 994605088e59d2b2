from odoo import _, api, fields, models
from odoo.exceptions import UserError

# operation -> (model, method, arguments before the note); every method checks its own rights
OPERATIONS = {
    'nc_cancel': ('mes.nonconformance', 'mes_cancel', ()),
    'capa_action_done': ('mes.capa.action', 'mes_mark_done', ()),
    'capa_effective': ('mes.capa', 'mes_verify_effectiveness', (True,)),
    'capa_not_effective': ('mes.capa', 'mes_verify_effectiveness', (False,)),
    'capa_cancel': ('mes.capa', 'mes_cancel', ()),
    'cr_implement': ('mes.change.request', 'mes_implement', ()),
    'cr_review': ('mes.change.request', 'mes_review', ()),
    'cr_cancel': ('mes.change.request', 'mes_cancel', ()),
    'record_reject': ('mes.production.record', 'mes_reject', ()),
    'flag_acknowledge': ('mes.production.record.flag', 'mes_acknowledge', ()),
}


class MesQualityNote(models.TransientModel):
    """A quality step that needs a written statement: cancelling with a reason, completing a
    CAPA action, an effectiveness verification, implementing or reviewing a change. The
    wizard only collects the note; the record's own method decides and checks rights."""
    _name = 'mes.quality.note'
    _description = 'Quality Decision with a Note'

    operation = fields.Selection([
        ('nc_cancel', 'Cancel the nonconformance'),
        ('capa_action_done', 'Complete the action'),
        ('capa_effective', 'Effective'),
        ('capa_not_effective', 'Not effective: back to the action plan'),
        ('capa_cancel', 'Cancel the CAPA'),
        ('cr_implement', 'Implemented'),
        ('cr_review', 'Effectiveness review: close the change'),
        ('cr_cancel', 'Cancel the change request'),
        ('record_reject', 'Reject the production record'),
        ('flag_acknowledge', 'Acknowledge the flag'),
    ], required=True, readonly=True)
    res_id = fields.Integer(string='Record ID', required=True, readonly=True)
    record_name = fields.Char(string='Record', compute='_compute_record_name')
    note = fields.Text(required=True)

    @api.depends('operation', 'res_id')
    def _compute_record_name(self):
        for wizard in self:
            wizard.record_name = wizard._mes_record().display_name if wizard.operation else ''

    def _mes_record(self):
        model = OPERATIONS[self.operation][0]
        record = self.env[model].browse(self.res_id).exists()
        if not record:
            raise UserError(_('The record no longer exists.'))
        return record

    @api.model
    def _mes_open(self, record, operation, title):
        """The window action asking for the note of ``operation`` on ``record``."""
        record.ensure_one()
        if OPERATIONS[operation][0] != record._name:
            raise UserError(_('This step does not apply to %(record)s.',
                              record=record.display_name))
        return {'type': 'ir.actions.act_window', 'name': title, 'res_model': self._name,
                'view_mode': 'form', 'views': [(False, 'form')], 'target': 'new',
                'context': {'default_operation': operation, 'default_res_id': record.id}}

    def action_confirm(self):
        self.ensure_one()
        if not (self.note or '').strip():
            raise UserError(_('Write the note first.'))
        _model, method, arguments = OPERATIONS[self.operation]
        getattr(self._mes_record(), method)(*arguments, self.note)
        return {'type': 'ir.actions.act_window_close'}
