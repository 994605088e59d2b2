from odoo import _, models
from odoo.exceptions import UserError


class MrpBomLine(models.Model):
    _name = 'mrp.bom.line'
    _inherit = ['mrp.bom.line', 'mes.master.record.part']
    _mes_audit_fields = ('bom_id', 'product_id', 'product_qty', 'product_uom_id', 'operation_id')

    def unlink(self):
        self.bom_id._mes_check_editable()
        step = self.env['mes.operation.step'].sudo().search([('bom_line_id', 'in', self.ids)],
                                                            limit=1)
        if step:
            raise UserError(_('Component %(product)s is scanned at step "%(step)s" of operation '
                              '%(operation)s: remove that step or point it at another component '
                              'first.', product=step.bom_line_id.product_id.display_name,
                              step=step.name, operation=step.operation_id.name))
        return super().unlink()
