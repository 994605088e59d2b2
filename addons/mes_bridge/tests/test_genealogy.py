import random

from odoo import Command
from odoo.tests import Form, TransactionCase, tagged

from .common import MesCase


class GenealogyCase(TransactionCase):
    """Plain Odoo manufacturing with lots, done the way Odoo's own tests do it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.mes_release_required = False
        # lots are delivered as plain Odoo would; the shipping gate has its own tests
        cls.env.company.mes_shipping_gate = False
        cls.warehouse = cls.env['stock.warehouse'].search(
            [('company_id', '=', cls.env.company.id)], limit=1)
        cls.stock = cls.warehouse.lot_stock_id
        cls.customer = cls.env['res.partner'].create({'name': 'St. Mary Hospital'})

    @classmethod
    def product(cls, name, tracking='lot'):
        return cls.env['product.product'].create({
            'name': name, 'is_storable': True, 'tracking': tracking})

    @classmethod
    def lot(cls, product, name, qty=0.0, location=None):
        lot = cls.env['stock.lot'].create({'product_id': product.id, 'name': name,
                                           'mes_release_state': 'released'})
        if qty:
            cls.env['stock.quant']._update_available_quantity(
                product, location or cls.stock, qty, lot_id=lot)
        return lot

    @classmethod
    def bom(cls, product, components, byproducts=()):
        return cls.env['mrp.bom'].create({
            'product_tmpl_id': product.product_tmpl_id.id, 'product_qty': 1,
            'consumption': 'flexible',
            'bom_line_ids': [Command.create({'product_id': p.id, 'product_qty': q})
                             for p, q in components],
            'byproduct_ids': [Command.create({'product_id': p.id, 'product_qty': q,
                                              'product_uom_id': p.uom_id.id})
                              for p, q in byproducts],
        })

    def produce(self, bom, qty, out_name, consumed, produce_qty=None, byproduct_lots=None):
        """Make ``qty`` of the BoM's product as lot ``out_name`` from ``consumed``
        ({component: [(lot, qty)]}); ``produce_qty`` < ``qty`` leaves a backorder."""
        product = bom.product_tmpl_id.product_variant_id
        mo = self.env['mrp.production'].create({
            'product_id': product.id, 'product_qty': qty, 'bom_id': bom.id})
        mo.action_confirm()
        out = self.env['stock.lot'].create({'product_id': product.id, 'name': out_name})
        mo.lot_producing_ids = out
        mo.qty_producing = produce_qty or qty
        mo.set_qty_producing()
        self.consume(mo, consumed)
        for byproduct, lot in (byproduct_lots or {}).items():
            move = mo.move_finished_ids.filtered(lambda m: m.product_id == byproduct)
            move.move_line_ids.write({'lot_id': lot.id})
        mo.move_raw_ids.picked = True
        action = mo.button_mark_done()
        if isinstance(action, dict) and action.get('res_model') == 'mrp.production.backorder':
            Form(self.env['mrp.production.backorder'].with_context(
                **action['context'])).save().action_backorder()
        self.assertEqual(mo.state, 'done')
        return mo, out

    def consume(self, mo, consumed):
        """Consume exactly these lots ({component: [(lot, qty)]}) in ``mo``."""
        for move in mo.move_raw_ids.filtered(lambda m: m.state not in ('done', 'cancel')):
            move.move_line_ids.unlink()
            for lot, lot_qty in consumed.get(move.product_id, []):
                self.env['stock.move.line'].create({
                    'move_id': move.id, 'product_id': move.product_id.id, 'lot_id': lot.id,
                    'quantity': lot_qty, 'product_uom_id': move.product_uom.id,
                    'location_id': move.location_id.id,
                    'location_dest_id': move.location_dest_id.id})

    def deliver(self, product, lot, qty):
        picking_type = self.warehouse.out_type_id
        picking = self.env['stock.picking'].create({
            'picking_type_id': picking_type.id, 'partner_id': self.customer.id,
            'location_id': self.stock.id,
            'location_dest_id': self.env.ref('stock.stock_location_customers').id,
            'move_ids': [Command.create({
                'product_id': product.id, 'product_uom_qty': qty,
                'location_id': self.stock.id,
                'location_dest_id': self.env.ref('stock.stock_location_customers').id})]})
        picking.action_confirm()
        picking.move_ids.move_line_ids.unlink()
        self.env['stock.move.line'].create({
            'move_id': picking.move_ids.id, 'product_id': product.id, 'lot_id': lot.id,
            'quantity': qty, 'location_id': self.stock.id,
            'location_dest_id': picking.location_dest_id.id, 'picking_id': picking.id})
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, 'done')
        return picking

    def links(self, production=None, **domain):
        dom = [(k, '=', v) for k, v in domain.items()]
        if production:
            dom.append(('production_id', '=', production.id))
        return self.env['mes.lot.link'].with_context(active_test=False).search(dom)

    def traced(self, lot, direction):
        return {node['lot_id'] for node in lot.mes_trace(direction)['nodes']}

    # -- Odoo's own traceability report, fully expanded as a user clicking through --------
    def odoo_backward(self, lot):
        report = self.env['stock.traceability.report']
        todo = report.with_context(active_id=lot.id, model='stock.lot').get_lines()
        lots = {lot.id}
        while todo:
            line = todo.pop()
            if line['lot_id']:
                lots.add(line['lot_id'])
            if line['unfoldable']:
                todo += report.get_lines(line_id=line['id'], model_name=line['model'],
                                         model_id=line['model_id'], level=line['level'] + 1)
        return lots

    def odoo_forward(self, lot):
        report = self.env['stock.traceability.report']
        lots, queue = {lot.id}, [lot]
        while queue:
            current = queue.pop()
            for line in report.with_context(active_id=current.id, model='stock.lot').get_lines():
                if not line['is_used']:
                    continue
                used = report.with_context(lot_name=line['lot_name'], active_id=line['model_id'],
                                           model='stock.move.line').get_lines()
                for produced in used:
                    if produced['lot_id'] and produced['lot_id'] not in lots:
                        lots.add(produced['lot_id'])
                        queue.append(self.env['stock.lot'].browse(produced['lot_id']))
        return lots


@tagged('post_install', '-at_install')
class TestGenealogyLinks(GenealogyCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.resin = cls.product('Resin G')
        cls.needle = cls.product('Needle G')
        cls.barrel = cls.product('Barrel G')
        cls.syringe = cls.product('Syringe G')
        cls.regrind = cls.product('Regrind G')
        cls.bom_barrel = cls.bom(cls.barrel, [(cls.resin, 2)])
        cls.bom_barrel_regrind = cls.bom(cls.barrel, [(cls.resin, 2)],
                                         byproducts=[(cls.regrind, 1)])
        cls.bom_syringe = cls.bom(cls.syringe, [(cls.barrel, 1), (cls.needle, 1)])
        cls.resin_1 = cls.lot(cls.resin, 'RES-G1', 100)
        cls.resin_2 = cls.lot(cls.resin, 'RES-G2', 100)
        cls.needle_1 = cls.lot(cls.needle, 'NDL-G1', 100)

    def test_normal_and_byproduct_links(self):
        regrind_lot = self.lot(self.regrind, 'RGD-G1')
        mo, barrel = self.produce(self.bom_barrel_regrind, 5, 'BRL-G1',
                                  {self.resin: [(self.resin_1, 10)]},
                                  byproduct_lots={self.regrind: regrind_lot})
        [link] = self.links(mo, to_lot_id=barrel.id)
        self.assertEqual((link.from_lot_id, link.kind, link.qty, link.active),
                         (self.resin_1, 'production', 10.0, True))
        [by] = self.links(mo, to_lot_id=regrind_lot.id)
        self.assertEqual((by.from_lot_id, by.kind), (self.resin_1, 'byproduct'))
        trace = self.resin_1.mes_trace('forward')
        self.assertEqual({n['lot_name'] for n in trace['nodes']}, {'RES-G1', 'BRL-G1', 'RGD-G1'})
        back = barrel.mes_trace('backward')
        node = next(n for n in back['nodes'] if n['lot_id'] == self.resin_1.id)
        self.assertEqual((node['qty'], node['production_id'], node['level']), (10.0, mo.id, 1))
        self.assertEqual(back['edges'], [{'from_lot_id': self.resin_1.id, 'to_lot_id': barrel.id,
                                          'production_id': mo.id, 'qty': 10.0,
                                          'kind': 'production'}])

    def test_partial_production_links_each_part_to_its_own_lots(self):
        mo, first = self.produce(self.bom_barrel, 4, 'BRL-P1', {self.resin: [(self.resin_1, 4)]},
                                 produce_qty=2)
        backorder = mo.production_group_id.production_ids - mo
        self.assertEqual(len(backorder), 1)
        second_mo, second = self.produce_backorder(backorder, 'BRL-P2',
                                                   {self.resin: [(self.resin_2, 4)]})
        self.assertEqual(self.traced(first, 'backward'), {first.id, self.resin_1.id})
        self.assertEqual(self.traced(second, 'backward'), {second.id, self.resin_2.id})
        self.assertEqual(self.links(second_mo).from_lot_id, self.resin_2)

    def produce_backorder(self, backorder, out_name, consumed):
        out = self.env['stock.lot'].create({'product_id': backorder.product_id.id,
                                            'name': out_name})
        backorder.lot_producing_ids = out
        backorder.qty_producing = backorder.product_qty
        backorder.set_qty_producing()
        self.consume(backorder, consumed)
        backorder.move_raw_ids.picked = True
        backorder.button_mark_done()
        self.assertEqual(backorder.state, 'done')
        return backorder, out

    def test_multi_level_and_multi_step_warehouse(self):
        self.warehouse.manufacture_steps = 'pbm_sam'
        pre = self.env['mrp.production'].new({'product_id': self.barrel.id}).picking_type_id \
            .default_location_src_id
        resin = self.lot(self.resin, 'RES-MS', 50, location=pre)
        needle = self.lot(self.needle, 'NDL-MS', 50, location=pre)
        _mo1, barrel = self.produce(self.bom_barrel, 2, 'BRL-MS', {self.resin: [(resin, 4)]})
        self.env['stock.quant']._update_available_quantity(self.barrel, pre, 2, lot_id=barrel)
        _mo2, syringe = self.produce(self.bom_syringe, 2, 'SYR-MS',
                                     {self.barrel: [(barrel, 2)], self.needle: [(needle, 2)]})
        back = syringe.mes_trace('backward')
        levels = {n['lot_name']: n['level'] for n in back['nodes']}
        self.assertEqual(levels, {'SYR-MS': 0, 'BRL-MS': 1, 'NDL-MS': 1, 'RES-MS': 2})
        self.assertEqual(self.traced(resin, 'forward'), {resin.id, barrel.id, syringe.id})
        self.assertEqual({n['lot_name'] for n in syringe.mes_trace('backward', depth=1)['nodes']},
                         {'SYR-MS', 'BRL-MS', 'NDL-MS'})

    def test_unbuild_deactivates_the_links_of_the_unbuilt_lot(self):
        mo, barrel = self.produce(self.bom_barrel, 3, 'BRL-U1', {self.resin: [(self.resin_1, 6)]})
        self.assertEqual(self.traced(self.resin_1, 'forward'), {self.resin_1.id, barrel.id})
        unbuild = self.env['mrp.unbuild'].create({
            'product_id': self.barrel.id, 'mo_id': mo.id, 'product_qty': 3,
            'lot_id': barrel.id, 'bom_id': self.bom_barrel.id})
        unbuild.action_unbuild()
        [link] = self.links(mo)
        self.assertFalse(link.active, 'a fully unbuilt lot no longer contains its components')
        self.assertEqual(self.traced(self.resin_1, 'forward'), {self.resin_1.id})
        self.assertEqual(self.traced(barrel, 'backward'), {barrel.id})

    def test_scrapped_component_is_not_linked_but_counted_in_the_balance(self):
        mo = self.env['mrp.production'].create({
            'product_id': self.barrel.id, 'product_qty': 2, 'bom_id': self.bom_barrel.id})
        mo.action_confirm()
        scrap = self.env['stock.scrap'].create({
            'product_id': self.resin.id, 'scrap_qty': 1, 'lot_id': self.resin_2.id,
            'production_id': mo.id, 'location_id': mo.location_src_id.id})
        scrap.action_validate()
        out = self.env['stock.lot'].create({'product_id': self.barrel.id, 'name': 'BRL-S1'})
        mo.lot_producing_ids = out
        mo.qty_producing = 2
        mo.set_qty_producing()
        self.consume(mo, {self.resin: [(self.resin_1, 3)]})
        mo.move_raw_ids.picked = True
        mo.button_mark_done()
        self.assertEqual(self.links(mo).from_lot_id, self.resin_1, 'scrap is not consumption')
        balance = mo.mes_mass_balance()
        [resin] = balance['components']
        self.assertEqual((resin['expected'], resin['consumed'], resin['scrapped']), (4.0, 3.0, 1.0))
        self.assertFalse(resin['out_of_tolerance'])
        self.assertEqual(mo.mes_mass_balance_state, 'ok')

    def test_editing_a_done_production_corrects_the_links(self):
        mo, barrel = self.produce(self.bom_barrel, 1, 'BRL-E1', {self.resin: [(self.resin_1, 2)]})
        self.assertEqual(self.links(mo).from_lot_id, self.resin_1)
        mo.action_toggle_is_locked()
        line = mo.move_raw_ids.move_line_ids
        line.lot_id = self.resin_2
        self.assertEqual(self.links(mo).from_lot_id, self.resin_2)
        self.assertEqual(self.traced(barrel, 'backward'), {barrel.id, self.resin_2.id})
        self.assertEqual(self.traced(self.resin_1, 'forward'), {self.resin_1.id})

    def test_links_follow_changes_once_through_one_path(self):
        """Edits of a done order mark it; its links are rebuilt once, before anyone reads
        them or at commit, whatever changed how often (issue 9)."""
        mo, barrel = self.produce(self.bom_barrel, 1, 'BRL-E2', {self.resin: [(self.resin_1, 2)]})
        self.assertEqual(self.links(mo).from_lot_id, self.resin_1)
        mo.action_toggle_is_locked()
        line = mo.move_raw_ids.move_line_ids
        for lot in (self.resin_2, self.resin_1, self.resin_2):
            line.lot_id = lot
        self.env.flush_all()
        # not rebuilt yet: three edits, one pending rebuild
        self.env.cr.execute('SELECT from_lot_id FROM mes_lot_link WHERE production_id = %s',
                            [mo.id])
        self.assertEqual({row[0] for row in self.env.cr.fetchall()}, {self.resin_1.id})
        self.assertEqual(self.env.cr.precommit.data.get('mes_genealogy_dirty'), {mo.id})
        # any read sees the change: the ORM, the trace (raw SQL), a commit
        self.assertEqual(self.links(mo).from_lot_id, self.resin_2)
        self.assertFalse(self.env.cr.precommit.data.get('mes_genealogy_dirty'))
        self.assertEqual(self.traced(barrel, 'backward'), {barrel.id, self.resin_2.id})

    def test_mass_balance_out_of_tolerance_raises_an_exception(self):
        mo, _lot = self.produce(self.bom_barrel, 5, 'BRL-MB', {self.resin: [(self.resin_1, 11)]})
        balance = mo.mes_mass_balance()
        self.assertAlmostEqual(balance['components'][0]['deviation_pct'], 10.0)
        self.assertEqual(balance['yield_pct'], 100.0)
        self.assertEqual(mo.mes_mass_balance_state, 'out')
        [exception] = self.env['mes.exception'].search([('production_id', '=', mo.id)])
        self.assertEqual((exception.kind, exception.source), ('mass_balance', 'genealogy'))
        self.assertIn('Resin G', exception.description)

    def test_mass_balance_counts_the_produced_quantity_in_the_orders_unit(self):
        """The finished move may count in another unit than the order (issue 9): 2 dozen
        produced as 24 units is 2 dozen, not 24 dozen."""
        dozen = self.env.ref('uom.product_uom_dozen')
        mo, _lot = self.produce(self.bom_barrel, 5, 'BRL-UOM', {self.resin: [(self.resin_1, 10)]})
        finished = mo.move_finished_ids.filtered(lambda m: m.product_id == mo.product_id)
        # the same 5 units, stated as 5/12 dozen on the order
        mo.sudo().write({'product_uom_id': dozen.id, 'product_qty': 5 / 12})
        self.assertNotEqual(finished.product_uom, mo.product_uom_id)
        balance = mo.mes_mass_balance()
        # (a dozen is counted to 0.01: 5 units are 0.42 dozen; before, this said 5 dozen)
        self.assertAlmostEqual(balance['produced'], 0.42, places=2)
        self.assertAlmostEqual(balance['yield_pct'], 100.0, places=0)

    def test_trace_input_is_checked(self):
        from odoo.exceptions import UserError
        with self.assertRaises(UserError):
            self.resin_1.mes_trace('sideways')
        with self.assertRaises(UserError):
            self.resin_1.mes_trace('forward', depth=0)

    def test_backfill_rebuilds_links_from_history(self):
        mo, barrel = self.produce(self.bom_barrel, 1, 'BRL-B1', {self.resin: [(self.resin_1, 2)]})
        self.env['mes.lot.link'].flush_model()  # (as a commit would: the links are built)
        self.env.cr.execute('DELETE FROM mes_lot_link')
        self.assertFalse(self.links(mo))
        self.assertGreaterEqual(self.env['mes.lot.link']._mes_backfill(), 1)
        self.assertEqual(self.links(mo).from_lot_id, self.resin_1)


@tagged('post_install', '-at_install')
class TestGenealogyMatchesOdoo(GenealogyCase):
    """On random multi-level histories, our trace finds exactly the lots Odoo's own
    traceability report reaches when fully expanded, in both directions."""

    def test_random_histories(self):
        rng = random.Random(20261126)
        raws = [self.product('Raw %d' % i) for i in range(3)]
        subs = [self.product('Sub %d' % i) for i in range(2)]
        final = self.product('Final')
        raw_lots = {p: [self.lot(p, '%s-L%d' % (p.name, i), 1000) for i in range(3)]
                    for p in raws}
        sub_boms = {s: self.bom(s, [(rng.choice(raws), 1), (raws[-1], 1)]) for s in subs}
        final_bom = self.bom(final, [(subs[0], 1), (subs[1], 1), (raws[0], 1)])
        sub_lots = {s: [] for s in subs}
        for index in range(8):
            sub = subs[index % 2]
            bom = sub_boms[sub]
            consumed = {line.product_id: [(lot, 1) for lot in rng.sample(
                raw_lots[line.product_id], rng.randint(1, 2))] for line in bom.bom_line_ids}
            _mo, out = self.produce(bom, 2, 'SUB-%d' % index, consumed)
            self.env['stock.quant']._update_available_quantity(sub, self.stock, 2, lot_id=out)
            sub_lots[sub].append(out)
        finals = []
        for index in range(4):
            consumed = {subs[0]: [(lot, 1) for lot in rng.sample(sub_lots[subs[0]], 2)],
                        subs[1]: [(lot, 1) for lot in rng.sample(sub_lots[subs[1]], 1)],
                        raws[0]: [(rng.choice(raw_lots[raws[0]]), 1)]}
            finals.append(self.produce(final_bom, 1, 'FIN-%d' % index, consumed)[1])
        checked = 0
        for lot in finals + sub_lots[subs[0]][:2] + sub_lots[subs[1]][:2]:
            self.assertEqual(self.traced(lot, 'backward'), self.odoo_backward(lot), lot.name)
            checked += 1
        for lot in [l for lots in raw_lots.values() for l in lots] + sub_lots[subs[0]][:3]:
            self.assertEqual(self.traced(lot, 'forward'), self.odoo_forward(lot), lot.name)
            checked += 1
        self.assertEqual(checked, 20)


@tagged('post_install', '-at_install')
class TestRecall(GenealogyCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.inspector = cls.env['res.users'].create({
            'name': 'Ivy Inspector', 'login': 'mes_recall_inspector',
            'group_ids': [Command.link(cls.env.ref('mes_bridge.group_mes_quality_inspector').id),
                          Command.link(cls.env.ref('mrp.group_mrp_user').id)]})

    def test_recall_finds_stock_and_customers_and_holds_on_hand_lots(self):
        resin = self.product('Resin R')
        device = self.product('Device R')
        bom = self.bom(device, [(resin, 1)])
        suspect = self.lot(resin, 'RES-SUSPECT', 100)
        _mo1, kept = self.produce(bom, 5, 'DEV-KEPT', {resin: [(suspect, 5)]})
        _mo2, shipped = self.produce(bom, 3, 'DEV-SHIPPED', {resin: [(suspect, 3)]})
        picking = self.deliver(device, shipped, 3)
        wizard = self.env['mes.recall.wizard'].with_user(self.inspector).create(
            {'lot_id': suspect.id})
        wizard.action_simulate()
        self.assertEqual(wizard.affected_lot_count, 3)
        stock_lines = wizard.line_ids.filtered(lambda l: l.line_type == 'stock')
        self.assertEqual({(l.lot_id.name, l.qty) for l in stock_lines},
                         {('DEV-KEPT', 5.0), ('RES-SUSPECT', 92.0)})
        [delivered] = wizard.line_ids.filtered(lambda l: l.line_type == 'delivered')
        self.assertEqual((delivered.lot_id, delivered.partner_id, delivered.picking_id,
                          delivered.qty), (shipped, self.customer, picking, 3.0))
        self.assertEqual((wizard.qty_delivered, wizard.customer_count), (3.0, 1))
        # exports for the recall file
        csv_url = wizard.action_export_csv()['url']
        attachment = self.env['ir.attachment'].browse(int(csv_url.split('/')[3].split('?')[0]))
        text = attachment.raw.decode('utf-8-sig')
        self.assertIn('DEV-SHIPPED', text)
        self.assertIn('St. Mary Hospital', text)
        xlsx_url = wizard.action_export_xlsx()['url']
        xlsx = self.env['ir.attachment'].browse(int(xlsx_url.split('/')[3].split('?')[0]))
        self.assertEqual(xlsx.raw[:2], b'PK')
        # hold everything still on hand, with the reason, audited
        wizard.reason = 'Supplier notice SN-114: resin contamination'
        shipped_state = shipped.mes_release_state
        wizard.action_hold_on_hand()
        self.assertEqual((kept.mes_release_state, suspect.mes_release_state,
                          shipped.mes_release_state), ('on_hold', 'on_hold', shipped_state),
                         'only what is still on hand is held')
        entry = self.env['mes.audit.entry'].search([
            ('res_model', '=', 'stock.lot'), ('res_id', '=', kept.id),
            ('field_name', '=', 'mes_release_state'), ('operation', '=', 'write')])
        self.assertEqual((entry.new_value, entry.reason, entry.user_id),
                         ('on_hold', 'Supplier notice SN-114: resin contamination',
                          self.inspector))


@tagged('post_install', '-at_install')
class TestUnitLevelGenealogy(MesCase):
    """Scans per produced serial replace Odoo's every-output-to-every-input link."""

    def test_unit_scans_link_each_serial_to_its_own_lot(self):
        self.company.mes_release_required = True
        pump = self.env['product.product'].create({
            'name': 'Infusion pump (test)', 'is_storable': True, 'tracking': 'serial'})
        bom = self.env['mrp.bom'].create({
            'product_tmpl_id': pump.product_tmpl_id.id, 'product_qty': 1,
            'consumption': 'flexible',
            'bom_line_ids': [Command.create({'product_id': self.stopper.id, 'product_qty': 1})],
            'operation_ids': [Command.create({'name': 'Assemble',
                                              'workcenter_id': self.wc_assembly.id})]})
        line = bom.bom_line_ids
        self.env['mes.operation.step'].create([
            {'operation_id': bom.operation_ids.id, 'sequence': i, 'name': 'Stopper unit %d' % i,
             'step_type': 'material', 'bom_line_id': line.id} for i in (1, 2)])
        self.approve(bom)
        stopper_b = self.env['stock.lot'].create({
            'product_id': self.stopper.id, 'name': 'STP-UNIT-B', 'mes_release_state': 'released'})
        self.env['stock.quant']._update_available_quantity(self.stopper, self.stock_location, 10,
                                                           lot_id=stopper_b)
        mo = self.env['mrp.production'].create({
            'product_id': pump.id, 'product_qty': 2, 'bom_id': bom.id})
        mo.action_confirm()
        serials = self.env['stock.lot'].create([
            {'product_id': pump.id, 'name': 'PUMP-%03d' % i} for i in (1, 2)])
        mo.lot_producing_ids = serials
        mo.qty_producing = 2
        mo.set_qty_producing()
        self.assertEqual(len(serials), 2)
        mo.with_user(self.supervisor).action_mes_release()
        workorder = mo.workorder_ids
        workorder.with_user(self.operator).button_start()
        first, second = self.steps(workorder)
        with self.assertRaisesRegex(Exception, 'not a serial'):
            self.record(first, code='STP-001', unit='NO-SUCH-SERIAL')
        self.assertTrue(self.record(first, code='STP-001', unit=serials[0].name)['accepted'])
        self.assertTrue(self.record(second, code='STP-UNIT-B', unit=serials[1].name)['accepted'])
        workorder.with_user(self.operator).button_finish()
        mo.button_mark_done()
        self.assertEqual(mo.state, 'done')
        links = self.env['mes.lot.link'].search([('production_id', '=', mo.id)])
        self.assertEqual({(l.from_lot_id.name, l.to_lot_id, l.kind) for l in links},
                         {('STP-001', serials[0], 'unit'), ('STP-UNIT-B', serials[1], 'unit')})
        forward = {n['lot_id'] for n in self.stopper_lot.mes_trace('forward')['nodes']}
        self.assertEqual(forward, {self.stopper_lot.id, serials[0].id},
                         'the other unit did not receive this lot')
        backward = {n['lot_id'] for n in serials[1].mes_trace('backward')['nodes']}
        self.assertEqual(backward, {serials[1].id, stopper_b.id})
