from odoo import models


class StockRule(models.Model):
    _inherit = 'stock.rule'

    def _search_rule(self, route_ids, packaging_uom_id, product_id, warehouse_id, domain):
        # A batch of orders (a B2MML schedule) confirms thousands of moves of the same few
        # products from the same locations: Odoo searches the same rule for each. Within such
        # a batch (mes_batch_memo in the context, nothing changes the rules), once.
        memo = self.env.context.get('mes_batch_memo')
        if not isinstance(memo, dict):  # (a client's context cannot fill it: tuple keys)
            return super()._search_rule(route_ids, packaging_uom_id, product_id, warehouse_id,
                                        domain)
        key = ('stock.rule', tuple(route_ids.ids) if route_ids else (),
               packaging_uom_id.id if packaging_uom_id else False, product_id.id,
               warehouse_id.id if warehouse_id else False, repr(domain), self.env.uid,
               self.env.su, tuple(self.env.companies.ids))
        if key not in memo:
            memo[key] = super()._search_rule(route_ids, packaging_uom_id, product_id,
                                             warehouse_id, domain).ids
        return self.env['stock.rule'].browse(memo[key])
