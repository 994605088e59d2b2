from odoo import fields, models


class MesOperationStep(models.Model):
    _inherit = 'mes.operation.step'

    spc_characteristic_id = fields.Many2one(
        'mes.inspection.characteristic', string='SPC Characteristic',
        domain=[('characteristic_type', '=', 'variable')],
        help='Values recorded at this measurement step join this characteristic\'s control '
             'chart.')
