from odoo.addons.mes_bridge.tests.common import PASSWORDS, MesCase
from odoo.tests import new_test_user

QA2_PASSWORD = 'qa2-Secret-2026'


class QualityCase(MesCase):
    """MES fixtures plus a supplier and helpers to approve plans, receive lots and decide
    inspections."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.supplier = cls.env['res.partner'].create({'name': 'Stopper Supplier (test)'})
        cls.other_supplier = cls.env['res.partner'].create({'name': 'Second Source (test)'})
        # plans are approved by another QA manager than their author (segregation of duties)
        cls.qa_manager2 = new_test_user(cls.env, 'mes_qa_manager2',
                                        groups='mes_bridge.group_mes_quality_manager',
                                        password=QA2_PASSWORD, name='Quinn QA Two')

    @classmethod
    def make_plan(cls, product, characteristics, inspection_type='receiving', approve=True):
        plan = cls.env['mes.inspection.plan'].with_user(cls.qa_manager).create({
            'name': '%s %s plan' % (product.name, inspection_type),
            'inspection_type': inspection_type,
            'product_tmpl_id': product.product_tmpl_id.id,
            'characteristic_ids': [(0, 0, values) for values in characteristics],
        })
        if approve:
            cls.approve_plan(plan)
        return plan

    @classmethod
    def approve_plan(cls, plan):
        return plan.with_user(cls.qa_manager2).mes_sign('approved', cls.qa_manager2.login,
                                                        QA2_PASSWORD)

    def receive(self, product, lot_name, qty, partner=None, validate_context=None):
        picking_type = self.env.ref('stock.picking_type_in')
        picking = self.env['stock.picking'].create({
            'picking_type_id': picking_type.id,
            'partner_id': (partner or self.supplier).id,
            'location_id': self.env.ref('stock.stock_location_suppliers').id,
            'location_dest_id': self.stock_location.id,
            'move_ids': [(0, 0, {
                'product_id': product.id, 'product_uom_qty': qty,
                'product_uom': product.uom_id.id,
                'location_id': self.env.ref('stock.stock_location_suppliers').id,
                'location_dest_id': self.stock_location.id,
            })],
        })
        picking.action_confirm()
        move = picking.move_ids
        move.move_line_ids.unlink()
        self.env['stock.move.line'].create({
            'move_id': move.id, 'picking_id': picking.id, 'product_id': product.id,
            'lot_name': lot_name, 'quantity': qty, 'product_uom_id': product.uom_id.id,
            'location_id': move.location_id.id, 'location_dest_id': move.location_dest_id.id,
        })
        move.picked = True
        picking.with_context(**(validate_context or {})).button_validate()
        lot = self.env['stock.lot'].search([('name', '=', lot_name),
                                            ('product_id', '=', product.id)])
        return picking, lot

    def inspection_of(self, lot):
        return self.env['mes.inspection'].search([('lot_id', '=', lot.id)], order='id desc',
                                                 limit=1)

    def record_all(self, inspection, value='1.00', defects=None, user=None):
        results = []
        for line in inspection.line_ids:
            done = set(line.result_ids.mapped('sample_no'))
            for n in range(1, line.sample_size + 1):
                if n in done:
                    continue
                if line.characteristic_type == 'variable':
                    results.append({'line_id': line.id, 'sample_no': n, 'value': value})
                else:
                    entry = {'line_id': line.id, 'sample_no': n}
                    entry.update((defects or {}).get(n, {}))
                    results.append(entry)
        return inspection.with_user(user or self.inspector).mes_record_results(results)

    def decide(self, inspection, user=None, password=None):
        user = user or self.inspector
        return inspection.with_user(user).mes_decide(
            user.login, password or PASSWORDS['inspector'])


__all__ = ['PASSWORDS', 'QA2_PASSWORD', 'QualityCase']
