from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import PASSWORDS, QualityCase
from .test_inspection import DIAMETER


@tagged('post_install', '-at_install')
class TestNonconformance(QualityCase):
    """ISO 13485 8.3: containment on opening, MRB disposition signed per line and carried out
    through Odoo's stock documents, closure only when every line is carried out."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plan = cls.make_plan(cls.stopper, [DIAMETER])
        cls.stock = cls.stock_location

    def sign_line(self, line, user=None, password=None, reason='MRB decision'):
        user = user or self.qa_manager
        return line.with_user(user).mes_sign('approved', user.login,
                                             password or PASSWORDS['qa_manager'], reason)

    def rejected_lot(self, name):
        _picking, lot = self.receive(self.stopper, name, 500)
        inspection = self.inspection_of(lot)
        self.record_all(inspection, value='6.75')
        self.decide(inspection)
        self.assertEqual(inspection.decision, 'reject')
        return inspection, lot

    def open_nc(self, lot, qty=100, **values):
        return self.env['mes.nonconformance'].with_user(self.inspector).create(dict(
            {'title': 'Stopper dimensions', 'product_id': self.stopper.id,
             'line_ids': [(0, 0, {'product_id': self.stopper.id, 'lot_id': lot.id,
                                  'quantity': qty, 'location_id': self.stock.id})]},
            **values))

    def on_hand(self, lot):
        return sum(self.env['stock.quant'].search([
            ('lot_id', '=', lot.id), ('location_id', '=', self.stock.id)]).mapped('quantity'))

    def test_customer_complaint_record(self):
        """A complaint record holds the device (product, lot, UDI), the date received, the
        complainant, the nature, the correction (MRB line) and the reply; all audited.

        Requirements: QMSR-820.35a"""
        _picking, lot = self.receive(self.stopper, 'STP-CMP-1', 200)
        customer = self.env['res.partner'].create({'name': 'St. Mary Hospital'})
        lines = [{'product_id': self.stopper.id, 'lot_id': lot.id, 'quantity': 100,
                  'location_id': self.stock.id}]
        NC = self.env['mes.nonconformance']
        with self.assertRaises(ValidationError):
            NC.with_user(self.inspector).mes_open_complaint(
                'Leaking stopper', customer.id, False, 'Stopper leaks', lines=lines)
        with self.assertRaises(UserError):  # nor smuggled in as a plain nonconformance
            self.open_nc(lot, source='complaint', complainant_id=customer.id)
        with self.assertRaises(AccessError):
            NC.with_user(self.operator).mes_open_complaint(
                'Leaking stopper', customer.id, '2026-11-30', 'Stopper leaks', lines=lines)
        nc = NC.with_user(self.inspector).mes_open_complaint(
            'Leaking stopper', customer.id, '2026-11-30', 'Stopper leaks at the crimp',
            udi='(01)09501101530003(10)STP-CMP-1', lines=lines)
        self.assertEqual((nc.source, nc.complainant_id, nc.line_ids.lot_id),
                         ('complaint', customer, lot))
        with self.assertRaises(ValidationError):
            nc.with_user(self.inspector).write({'complaint_nature': ' '})
        nc.with_user(self.inspector).write({
            'complaint_reply': 'Lot quarantined, replacement sent, CAPA opened'})
        self.assertEqual(lot.mes_release_state, 'on_hold')
        entries = self.env['mes.audit.entry'].search([
            ('res_model', '=', nc._name), ('res_id', '=', nc.id)])
        recorded = {entry.field_name: entry.new_display for entry in entries}
        self.assertEqual(recorded['complainant_id'], 'St. Mary Hospital')
        self.assertEqual(recorded['udi'], '(01)09501101530003(10)STP-CMP-1')
        self.assertEqual(recorded['complaint_nature'], 'Stopper leaks at the crimp')
        self.assertEqual(recorded['complaint_reply'],
                         'Lot quarantined, replacement sent, CAPA opened')
        self.assertTrue(recorded['date_received'].startswith('2026-11-30') or
                        recorded['date_received'] in ('11/30/2026', '2026-11-30'))

    def test_concession_from_a_rejected_inspection(self):
        inspection, lot = self.rejected_lot('STP-NC-1')
        action = inspection.with_user(self.inspector).action_open_nonconformance()
        nc = self.env['mes.nonconformance'].browse(action['res_id'])
        self.assertEqual((nc.source, nc.inspection_id, nc.line_ids.lot_id), ('inspection',
                                                                            inspection, lot))
        self.assertIn('Stopper diameter', nc.defect)
        # opened again: the same NC
        self.assertEqual(inspection.action_open_nonconformance()['res_id'], nc.id)
        self.assertEqual(lot.mes_release_state, 'on_hold')
        self.assertTrue(nc.impact_ids)
        self.assertIn(lot, nc.impact_ids.lot_id)
        line = nc.line_ids
        line.with_user(self.inspector).write({'disposition': 'use_as_is'})
        with self.assertRaisesRegex(UserError, 'justification'):
            self.sign_line(line)
        line.with_user(self.inspector).write(
            {'justification': 'Diameter 6.75 mm fits the barrel: design verification DV-12'})
        # only a QA manager signs a disposition
        with self.assertRaises(AccessError):
            line.with_user(self.inspector).mes_sign('approved', self.inspector.login,
                                                    PASSWORDS['inspector'], 'x')
        with self.assertRaisesRegex(UserError, 'cannot close'):
            nc.with_user(self.qa_manager).action_close()
        self.assertTrue(self.sign_line(line)['signed'])
        self.assertEqual(line.disposition_state, 'done')
        self.assertEqual(lot.mes_release_state, 'released')
        self.assertEqual(line.mes_signature_ids.signer_id, self.qa_manager)
        with self.assertRaisesRegex(UserError, 'signed'):
            line.with_user(self.inspector).write({'disposition': 'scrap'})
        outcome = nc.with_user(self.qa_manager).mes_sign(
            'approved', self.qa_manager.login, PASSWORDS['qa_manager'])
        self.assertTrue(outcome['signed'], outcome['message'])
        self.assertEqual((nc.state, nc.closed_by_id), ('closed', self.qa_manager))
        with self.assertRaisesRegex(UserError, 'closed or cancelled'):
            nc.with_user(self.inspector).write({'title': 'Rewritten'})
        with self.assertRaises(UserError):
            nc.with_user(self.qa_manager).unlink()

    def test_scrap_is_an_odoo_scrap_order(self):
        _picking, lot = self.receive(self.stopper, 'STP-NC-2', 500)
        nc = self.open_nc(lot, qty=120)
        self.assertEqual(lot.mes_release_state, 'on_hold')
        line = nc.line_ids
        line.with_user(self.inspector).write({'disposition': 'scrap'})
        self.assertTrue(self.sign_line(line)['signed'])
        self.assertEqual(line.scrap_id.state, 'done')
        self.assertEqual((line.scrap_id.lot_id, line.scrap_id.scrap_qty), (lot, 120))
        self.assertEqual(self.on_hand(lot), 380)
        self.assertEqual((line.disposition_state, lot.mes_release_state), ('done', 'rejected'))

    def test_return_to_supplier_closes_when_the_return_is_shipped(self):
        _picking, lot = self.receive(self.stopper, 'STP-NC-3', 500)
        nc = self.open_nc(lot, qty=500, partner_id=self.supplier.id)
        line = nc.line_ids
        line.with_user(self.inspector).write({'disposition': 'return'})
        self.assertTrue(self.sign_line(line)['signed'])
        picking = line.return_picking_id
        self.assertEqual((picking.partner_id, picking.move_line_ids.lot_id), (self.supplier, lot))
        self.assertEqual(line.disposition_state, 'approved')
        with self.assertRaisesRegex(UserError, 'not carried out'):
            nc.with_user(self.qa_manager).action_close()
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, 'done')
        self.assertEqual(line.disposition_state, 'done')
        self.assertEqual(self.on_hand(lot), 0)
        nc.with_user(self.qa_manager).action_close()

    def test_rework_order_then_re_inspection(self):
        _picking, lot = self.receive(self.stopper, 'STP-NC-4', 500)
        nc = self.open_nc(lot, qty=50)
        line = nc.line_ids
        line.with_user(self.inspector).write({'disposition': 'rework'})
        self.assertTrue(self.sign_line(line)['signed'])
        production = self.env['mrp.production'].browse(line.production_id.id)
        self.assertEqual((production.mes_nc_line_id, production.product_id,
                          production.lot_producing_ids), (line, self.stopper, lot))
        self.assertEqual(line.disposition_state, 'approved')
        production.move_raw_ids.move_line_ids.unlink()
        self.env['stock.move.line'].create({
            'move_id': production.move_raw_ids.id, 'product_id': self.stopper.id,
            'lot_id': lot.id, 'quantity': 50, 'product_uom_id': self.stopper.uom_id.id,
            'location_id': self.stock.id,
            'location_dest_id': production.move_raw_ids.location_dest_id.id})
        production.move_raw_ids.picked = True
        production.qty_producing = 50
        production.button_mark_done()
        self.assertEqual(production.state, 'done')
        self.assertEqual(line.disposition_state, 'done')
        self.assertEqual(lot.mes_release_state, 'quarantine')
        self.assertEqual(self.on_hand(lot), 500)
        # nobody makes a rework order pass as authorised by an NC
        with self.assertRaisesRegex(UserError, 'signing a nonconformance'):
            self.create_production().with_user(self.planner).write({'mes_nc_line_id': line.id})


@tagged('post_install', '-at_install', 'mes_adversarial')
class TestNonconformanceAdversarial(QualityCase):

    def test_facts_and_states_cannot_be_forged(self):
        _picking, lot = self.receive(self.stopper, 'STP-NCA-1', 100)
        NC = self.env['mes.nonconformance']
        # an operator raises one from the shop floor, but not closed or with a forged source
        nc = NC.with_user(self.operator).create({'title': 'Scratched barrels'})
        self.assertEqual((nc.state, nc.source), ('open', 'manual'))
        with self.assertRaisesRegex(UserError, 'first state'):
            NC.with_user(self.operator).create({'title': 'x', 'state': 'closed'})
        with self.assertRaisesRegex(UserError, 'only through its actions'):
            nc.with_user(self.inspector).write({'state': 'closed'})
        line = self.env['mes.nonconformance.line'].with_user(self.inspector).create({
            'nonconformance_id': nc.id, 'product_id': self.stopper.id, 'lot_id': lot.id,
            'quantity': 10, 'location_id': self.stock_location.id})
        self.assertEqual(lot.mes_release_state, 'on_hold')
        with self.assertRaisesRegex(UserError, 'carried out by signing'):
            line.with_user(self.inspector).write({'disposition_state': 'done'})
        with self.assertRaises(AccessError):
            line.with_user(self.operator).write({'disposition': 'use_as_is'})
        with self.assertRaisesRegex(UserError, 'cannot be deleted'):
            nc.sudo().unlink()
        with self.assertRaisesRegex(UserError, 'QA manager'):
            nc.with_user(self.inspector).mes_cancel('Duplicate')
        with self.assertRaisesRegex(UserError, 'State why'):
            nc.with_user(self.qa_manager).mes_cancel(' ')
        nc.with_user(self.qa_manager).mes_cancel('Duplicate of another NC')
        self.assertEqual(nc.state, 'cancelled')
        with self.assertRaisesRegex(UserError, 'closed or cancelled'):
            self.env['mes.nonconformance.line'].with_user(self.inspector).create({
                'nonconformance_id': nc.id, 'product_id': self.stopper.id, 'quantity': 1})

    def test_another_company_sees_no_nonconformance(self):
        nc = self.env['mes.nonconformance'].with_user(self.inspector).create({'title': 'A'})
        company_b = self.env['res.company'].create({'name': 'NC B (test)'})
        self.inspector.sudo().write({'company_ids': [(4, company_b.id)]})
        other = self.env['mes.nonconformance'].with_user(self.inspector).with_company(
            company_b).with_context(allowed_company_ids=company_b.ids)
        self.assertFalse(other.search([('id', '=', nc.id)]))


@tagged('post_install', '-at_install')
class TestNonconformanceFromException(QualityCase):

    def test_supervisor_escalates_an_exception_operator_cannot(self):
        production = self.released_production()
        molding = self.workorders(production)[0]
        self.run_molding(molding, temperature='300')
        exception = production.mes_exception_ids[:1]
        self.assertTrue(exception)
        with self.assertRaises(AccessError):
            exception.with_user(self.operator).action_escalate_nonconformance()
        action = exception.with_user(self.supervisor).action_escalate_nonconformance()
        nc = self.env['mes.nonconformance'].browse(action['res_id'])
        self.assertEqual((nc.source, nc.exception_id, nc.state), ('exception', exception, 'open'))
        self.assertEqual(nc.description, exception.description)
        # escalating again opens the same one
        self.assertEqual(
            exception.with_user(self.supervisor).action_escalate_nonconformance()['res_id'],
            nc.id)
