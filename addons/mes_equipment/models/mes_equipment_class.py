from odoo import fields, models


class MesEquipmentClass(models.Model):
    """ISA-95 equipment class: what kind of machine (injection moulding, leak tester...)."""
    _name = 'mes.equipment.class'
    _description = 'Equipment Class'
    _order = 'name'

    name = fields.Char(required=True, translate=True)
    code = fields.Char()
    ideal_cycle_time = fields.Float(
        string='Ideal Cycle Time (s)', help='Seconds per unit at rated speed, used for OEE '
                                            'performance unless the equipment sets its own.')
    qualification_required = fields.Boolean(
        default=True, help='Equipment of this class needs IQ, OQ and PQ before use.')
    calibration_required = fields.Boolean(default=True)
    active = fields.Boolean(default=True)
