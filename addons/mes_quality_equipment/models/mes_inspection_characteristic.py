from odoo import fields, models


class MesInspectionCharacteristic(models.Model):
    _inherit = 'mes.inspection.characteristic'

    gauge_class_id = fields.Many2one(
        'mes.equipment.class',
        help='The gauge used must be equipment of this class (and usable).')

    def write(self, vals):
        # part of the approved definition, as the rest of it
        if 'gauge_class_id' in vals:
            self.plan_id._mes_check_editable()
        return super().write(vals)
