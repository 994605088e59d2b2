from odoo import fields, models


class MesNonconformanceImpact(models.Model):
    """One lot the affected lots reached (forward genealogy), with its stock and deliveries:
    the recall scope of a nonconformance, as computed on its last refresh."""
    _name = 'mes.nonconformance.impact'
    _description = 'Nonconformance Impact'
    _order = 'nonconformance_id, level, id'

    nonconformance_id = fields.Many2one('mes.nonconformance', required=True, index=True,
                                        ondelete='cascade')
    company_id = fields.Many2one(related='nonconformance_id.company_id', store=True)
    origin_lot_id = fields.Many2one('stock.lot', string='Affected Lot', readonly=True)
    lot_id = fields.Many2one('stock.lot', string='Reached Lot', readonly=True)
    product_id = fields.Many2one(related='lot_id.product_id')
    level = fields.Integer(readonly=True)
    on_hand = fields.Float(readonly=True, digits='Product Unit')
    delivered = fields.Float(readonly=True, digits='Product Unit')
    release_state = fields.Char(readonly=True)
