from odoo import _, models
from odoo.exceptions import UserError


class StockMove(models.Model):
    _inherit = 'stock.move'

    def _action_done(self, cancel_backorder=False):
        self._mes_check_shipping_gate()
        return super()._action_done(cancel_backorder=cancel_backorder)

    def _mes_check_shipping_gate(self):
        """Only released lots leave for customers (company setting, on by default). Checked
        on the moves themselves, so it holds for a delivery, a dropship, a move done by hand
        or over JSON-2, not only for the Validate button."""
        lines = self.filtered(lambda m: m.state not in ('done', 'cancel')
                              and m.company_id.mes_shipping_gate).move_line_ids
        lines = lines.filtered(lambda ml: ml.lot_id and ml.quantity
                               and ml.location_dest_id.usage == 'customer'
                               and ml.location_id.usage != 'customer')
        blocked = lines.lot_id.filtered(lambda lot: lot.mes_release_state != 'released')
        if blocked:
            labels = dict(blocked._fields['mes_release_state']._description_selection(self.env))
            raise UserError(_(
                'Only released lots can be shipped: %(lots)s.',
                lots='; '.join(_('lot %(lot)s of %(product)s is %(state)s', lot=lot.name,
                                 product=lot.product_id.display_name,
                                 state=labels[lot.mes_release_state]) for lot in blocked)))
