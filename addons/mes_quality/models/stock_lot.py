from odoo import _, models
from odoo.exceptions import UserError


class StockLot(models.Model):
    _inherit = 'stock.lot'

    def write(self, vals):
        if vals.get('mes_release_state') == 'released':
            self._mes_check_inspections_accepted()
        return super().write(vals)

    def _mes_check_inspections_accepted(self):
        """A lot is released only when its inspections are decided and accepted: whoever
        releases it, whatever the entry point."""
        inspections = self.env['mes.inspection'].sudo().search([('lot_id', 'in', self.ids)])
        # a signed concession (use as is) releases a lot an inspection rejected
        conceded = self.env['mes.nonconformance.line'].sudo().search([
            ('lot_id', 'in', self.ids), ('disposition', '=', 'use_as_is'),
            ('disposition_state', 'in', ('approved', 'done'))]).lot_id
        for inspection in inspections.filtered('sampling_state_id.discontinued'):
            inspection.sampling_state_id._mes_check_not_discontinued()
        for inspection in inspections.filtered(
                lambda i: i.state == 'pending' or (i.decision == 'reject'
                                                   and i.lot_id not in conceded)):
            if inspection.state == 'pending':
                raise UserError(_('Lot %(lot)s cannot be released: inspection %(name)s is not '
                                  'decided yet.', lot=inspection.lot_id.display_name,
                                  name=inspection.name))
            raise UserError(_('Lot %(lot)s cannot be released: inspection %(name)s rejected '
                              'it. Disposition the nonconformance first.',
                              lot=inspection.lot_id.display_name, name=inspection.name))
