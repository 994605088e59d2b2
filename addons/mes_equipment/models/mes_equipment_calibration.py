from odoo import api, fields, models

CALIBRATION_RESULTS = [
    ('pass', 'In tolerance'),
    ('adjusted', 'Adjusted, now in tolerance'),
    ('fail', 'Out of tolerance'),
]


class MesEquipmentCalibration(models.Model):
    _name = 'mes.equipment.calibration'
    _description = 'Equipment Calibration'
    _order = 'equipment_id, date desc, id desc'
    _inherit = ['mes.audited']
    _mes_audit_fields = ('equipment_id', 'date', 'date_due', 'result', 'certificate_number',
                         'performed_by')

    equipment_id = fields.Many2one('maintenance.equipment', required=True, index=True,
                                   ondelete='restrict')
    company_id = fields.Many2one(related='equipment_id.company_id', store=True, index=True)
    date = fields.Date(string='Performed on', required=True, default=fields.Date.context_today)
    date_due = fields.Date(string='Next Due', required=True)
    result = fields.Selection(CALIBRATION_RESULTS, required=True)
    certificate_number = fields.Char(string='Certificate')
    certificate_ids = fields.Many2many('ir.attachment', string='Certificate Files')
    performed_by = fields.Char(help='Calibration lab or technician.')
    note = fields.Text()

    @api.model_create_multi
    def create(self, vals_list):
        calibrations = super().create(vals_list)
        # a new calibration answers the reminder request raised for the previous one
        calibrations.equipment_id.sudo().write({'mes_calibration_request_id': False})
        return calibrations
