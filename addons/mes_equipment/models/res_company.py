from odoo import fields, models


class ResCompany(models.Model):
    _inherit = 'res.company'

    mes_calibration_notice_days = fields.Integer(
        string='Calibration notice (days)', default=14,
        help='A maintenance request is opened this many days before a calibration is due.')
