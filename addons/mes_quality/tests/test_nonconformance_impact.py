from odoo.addons.mes_bridge.tests.test_genealogy import GenealogyCase
from odoo.tests import new_test_user, tagged


@tagged('post_install', '-at_install')
class TestNonconformanceImpact(GenealogyCase):
    """Containment: the affected lots go on hold and the impact list holds every lot they
    reached, with its level, stock on hand and deliveries, replaced (not added to) on each
    refresh, and extended when a lot is added to the nonconformance."""

    def test_impact_list_is_the_recall_scope(self):
        inspector = new_test_user(self.env, 'nc_impact_inspector',
                                  groups='mes_bridge.group_mes_quality_inspector')
        resin, barrel, syringe = (self.product('%s NCI' % n) for n in ('Resin', 'Barrel',
                                                                        'Syringe'))
        resin_lot = self.lot(resin, 'RES-NCI', 50)
        _mo, barrel_lot = self.produce(self.bom(barrel, [(resin, 1)]), 4, 'BRL-NCI',
                                       {resin: [(resin_lot, 4)]})
        _mo, syringe_lot = self.produce(self.bom(syringe, [(barrel, 1)]), 2, 'SYR-NCI',
                                        {barrel: [(barrel_lot, 2)]})
        self.deliver(syringe, syringe_lot, 1)
        nc = self.env['mes.nonconformance'].with_user(inspector).create({
            'title': 'Resin contaminated', 'product_id': resin.id,
            'line_ids': [(0, 0, {'product_id': resin.id, 'lot_id': resin_lot.id,
                                 'quantity': 46, 'location_id': self.stock.id})]})
        self.assertEqual(resin_lot.mes_release_state, 'on_hold')
        # downstream lots are listed, not held: QA decides on them
        made = barrel_lot.mes_release_state
        self.assertNotEqual(made, 'on_hold')
        self.assertEqual(syringe_lot.mes_release_state, made)

        def scope():
            return sorted((i.origin_lot_id.name, i.lot_id.name, i.level, i.on_hand, i.delivered,
                           i.release_state) for i in nc.impact_ids)
        expected = [('RES-NCI', 'BRL-NCI', 1, 2.0, 0.0, made),
                    ('RES-NCI', 'RES-NCI', 0, 46.0, 0.0, 'on_hold'),
                    ('RES-NCI', 'SYR-NCI', 2, 1.0, 1.0, made)]
        self.assertEqual(scope(), expected)
        self.assertEqual(nc.impact_ids.company_id, self.env.company)
        first = nc.impact_date
        # a refresh replaces the list
        nc.with_user(inspector).action_refresh_impact()
        self.assertEqual(scope(), expected)
        self.assertGreaterEqual(nc.impact_date, first)
        self.assertEqual(len(self.env['mes.nonconformance.impact'].search(
            [('nonconformance_id', '=', nc.id)])), 3)
        # a lot added later is contained and traced too
        nc.with_user(inspector).write({'line_ids': [(0, 0, {
            'product_id': barrel.id, 'lot_id': barrel_lot.id, 'quantity': 2,
            'location_id': self.stock.id})]})
        self.assertEqual(barrel_lot.mes_release_state, 'on_hold')
        by_origin = {(i.origin_lot_id.name, i.lot_id.name) for i in nc.impact_ids}
        self.assertIn(('BRL-NCI', 'SYR-NCI'), by_origin)
        self.assertEqual(len(nc.impact_ids), 5)
