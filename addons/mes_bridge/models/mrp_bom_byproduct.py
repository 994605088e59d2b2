from odoo import models


class MrpBomByproduct(models.Model):
    """By-products are part of the master record: locked with it once approved, audited,
    and covered by its approval signature (see mrp.bom._mes_content)."""
    _name = 'mrp.bom.byproduct'
    _inherit = ['mrp.bom.byproduct', 'mes.master.record.part']
    _mes_audit_fields = ('bom_id', 'product_id', 'product_qty', 'product_uom_id',
                         'operation_id', 'cost_share')
