from odoo import fields, models


class TestPart11Line(models.Model):
    _name = 'test.part11.line'
    _description = 'Part 11 Test Record Line'

    record_id = fields.Many2one('test.part11.record', required=True, ondelete='cascade')
    name = fields.Char(required=True)
    value = fields.Float()
