from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .test_genealogy import GenealogyCase


@tagged('post_install', '-at_install')
class TestShippingGate(GenealogyCase):
    """Only released lots leave for customers, whatever validates the delivery."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.mes_shipping_gate = True
        cls.device = cls.product('Syringe (gate)')
        cls.customers = cls.env.ref('stock.stock_location_customers')

    def delivery(self, lot, qty=2):
        picking = self.env['stock.picking'].create({
            'picking_type_id': self.warehouse.out_type_id.id, 'partner_id': self.customer.id,
            'location_id': self.stock.id, 'location_dest_id': self.customers.id,
            'move_ids': [Command.create({
                'product_id': self.device.id, 'product_uom_qty': qty,
                'location_id': self.stock.id, 'location_dest_id': self.customers.id})]})
        picking.action_confirm()
        picking.move_ids.move_line_ids.unlink()
        self.env['stock.move.line'].create({
            'move_id': picking.move_ids.id, 'product_id': self.device.id, 'lot_id': lot.id,
            'quantity': qty, 'location_id': self.stock.id,
            'location_dest_id': self.customers.id, 'picking_id': picking.id})
        picking.move_ids.picked = True
        return picking

    def on_hand(self, lot):
        return sum(self.env['stock.quant'].search(
            [('lot_id', '=', lot.id), ('location_id', '=', self.stock.id)]).mapped('quantity'))

    def test_unreleased_lots_are_refused_with_their_state(self):
        for state, label in (('quarantine', 'Quarantine'), ('on_hold', 'On Hold'),
                             ('rejected', 'Rejected')):
            lot = self.lot(self.device, 'SYR-GATE-%s' % state, 10)
            lot.mes_release_state = state
            picking = self.delivery(lot)
            with self.assertRaisesRegex(UserError, 'SYR-GATE-%s.*%s' % (state, label)):
                picking.button_validate()
            # nothing moved
            self.assertEqual((picking.state, self.on_hand(lot)), ('assigned', 10))
            # not through the moves directly either
            with self.assertRaisesRegex(UserError, 'Only released lots'):
                picking.move_ids._action_done()
            self.assertEqual(self.on_hand(lot), 10)

    def test_released_lot_ships_and_the_gate_can_be_switched_off(self):
        lot = self.lot(self.device, 'SYR-GATE-OK', 10)
        picking = self.delivery(lot)
        picking.button_validate()
        self.assertEqual((picking.state, self.on_hand(lot)), ('done', 8))
        held = self.lot(self.device, 'SYR-GATE-OFF', 10)
        held.mes_release_state = 'on_hold'
        self.env.company.mes_shipping_gate = False
        picking = self.delivery(held)
        picking.button_validate()
        self.assertEqual(picking.state, 'done')

    def test_gate_is_on_by_default_and_only_for_customers(self):
        company = self.env['res.company'].create({'name': 'New plant'})
        self.assertTrue(company.mes_shipping_gate)
        # an internal transfer of a quarantined lot is not a shipment
        lot = self.lot(self.device, 'SYR-GATE-INT', 10)
        lot.mes_release_state = 'quarantine'
        shelf = self.env['stock.location'].create({'name': 'Quarantine cage',
                                                   'location_id': self.stock.id})
        move = self.env['stock.move'].create({
            'product_id': self.device.id, 'product_uom_qty': 4,
            'location_id': self.stock.id, 'location_dest_id': shelf.id})
        move._action_confirm()
        move.move_line_ids.unlink()
        self.env['stock.move.line'].create({
            'move_id': move.id, 'product_id': self.device.id, 'lot_id': lot.id, 'quantity': 4,
            'location_id': self.stock.id, 'location_dest_id': shelf.id})
        move.picked = True
        move._action_done()
        self.assertEqual(move.state, 'done')

    def test_setting_is_in_the_settings(self):
        settings = Form(self.env['res.config.settings'])
        self.assertTrue(settings.mes_shipping_gate)
