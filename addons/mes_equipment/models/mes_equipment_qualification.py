from odoo import fields, models

QUALIFICATION_STAGES = [
    ('iq', 'Installation Qualification (IQ)'),
    ('oq', 'Operational Qualification (OQ)'),
    ('pq', 'Performance Qualification (PQ)'),
]


class MesEquipmentQualification(models.Model):
    _name = 'mes.equipment.qualification'
    _description = 'Equipment Qualification'
    _order = 'equipment_id, date desc, id desc'
    _inherit = ['mes.audited']
    _mes_audit_fields = ('equipment_id', 'stage', 'date', 'valid_until', 'result',
                         'protocol_reference', 'performed_by')

    equipment_id = fields.Many2one('maintenance.equipment', required=True, index=True,
                                   ondelete='restrict')
    company_id = fields.Many2one(related='equipment_id.company_id', store=True, index=True)
    stage = fields.Selection(QUALIFICATION_STAGES, required=True)
    date = fields.Date(string='Performed on', required=True, default=fields.Date.context_today)
    valid_until = fields.Date(help='Requalification due; empty = no expiry.')
    result = fields.Selection([('pass', 'Passed'), ('fail', 'Failed')], required=True)
    protocol_reference = fields.Char(string='Protocol / Report')
    performed_by = fields.Char()
    document_ids = fields.Many2many('ir.attachment', string='Documents')
