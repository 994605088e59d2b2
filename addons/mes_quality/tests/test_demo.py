from odoo.tests import TransactionCase, tagged


@tagged('post_install', '-at_install')
class TestQualityDemo(TransactionCase):
    """What a new user finds in the demo plant: the deviation closed under a concession, a
    CAPA waiting for its effectiveness check, and the change request for the syringe v2."""

    def setUp(self):
        super().setUp()
        self.assertTrue(self.env['ir.module.module']._get('mes_quality').demo,
                        'this check needs the demo data (make test installs it)')
        self.qa = self.env.ref('mes_bridge.user_qa_manager')

    def demo_nonconformance(self):
        return self.env['mes.nonconformance'].search(
            [('title', 'like', 'Barrel melt temperature above limit')])

    def test_deviation_closed_under_a_signed_concession(self):
        nc = self.demo_nonconformance()
        self.assertEqual(len(nc), 1)
        deviation = nc.exception_id
        self.assertEqual((nc.source, deviation.kind, deviation.severity),
                         ('exception', 'out_of_limit', 'critical'))
        self.assertEqual((deviation.state, deviation.disposition),
                         ('dispositioned', 'use_as_is'))
        self.assertIn(nc.name, deviation.disposition_note)
        line = nc.line_ids
        self.assertEqual((line.disposition, line.disposition_state), ('use_as_is', 'done'))
        self.assertIn('PQ-MLD-07', line.justification)
        self.assertEqual(line.mes_signature_ids.signer_id, self.qa)
        self.assertEqual((nc.state, nc.closed_by_id), ('closed', self.qa))
        self.assertEqual(nc.mes_signature_ids.signer_id, self.qa)

    def test_capa_waits_for_its_effectiveness_check(self):
        capa = self.env['mes.capa'].search(
            [('nonconformance_ids', 'in', self.demo_nonconformance().ids)])
        self.assertEqual(len(capa), 1)
        self.assertEqual((capa.stage, capa.rca_method), ('effectiveness', 'ishikawa'))
        self.assertTrue(capa.cause_ids.filtered('is_root'))
        self.assertEqual(set(capa.action_ids.mapped('kind')),
                         {'correction', 'corrective', 'preventive'})
        self.assertEqual(set(capa.action_ids.mapped('state')), {'done'})
        self.assertFalse(capa.effectiveness_result)
        self.assertFalse(capa.overdue)
        # the owner has the verification on their to-do list
        self.assertTrue(capa.activity_ids.filtered(
            lambda a: a.user_id == capa.user_id and a.date_deadline == capa.effectiveness_due))

    def test_change_request_for_the_syringe_v2_shows_its_diff(self):
        request = self.env['mes.change.request'].search(
            [('title', 'like', 'Syringe 5 mL master record v2')])
        self.assertEqual(len(request), 1)
        v2 = request.bom_id
        self.assertEqual((v2.mes_version, v2.mes_approval_state), (2, 'draft'))
        self.assertIn('Plunger glide force', request.diff_text)
        self.assertIn('10.0', request.diff_text)
        self.assertIn('9.5', request.diff_text)
        # reviewed by quality, waiting for the QA manager's approval
        self.assertEqual(request.state, 'draft')
        self.assertEqual(request.mes_signature_ids.mapped('meaning_id.code'), ['reviewed'])
        self.assertGreaterEqual(request.open_order_count, 1)

    def test_done_order_released_and_certified_another_waits_for_review(self):
        Record = self.env['mes.production.record']
        released = Record.search([('state', '=', 'released')])
        self.assertTrue(released)
        record = released[0]
        self.assertEqual(record.mes_signature_ids.signer_id, self.qa)
        self.assertEqual(record.lot_ids.mes_release_state, 'released')
        certificate = self.env['mes.certificate'].search([('lot_ids', 'in', record.lot_ids.ids)])
        self.assertEqual(len(certificate), 1)
        self.assertTrue(certificate.pdf)
        waiting = Record.search([('state', '=', 'review')])
        self.assertTrue(waiting.filtered('open_flag_count'))
        self.assertIn('deviation', waiting.flag_ids.mapped('kind'))
        self.assertTrue(self.env.ref('mes_bridge.product_syringe_5ml').mes_gtin)
