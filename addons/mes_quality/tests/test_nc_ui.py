from odoo.tests import HttpCase, tagged

from .common import QualityCase
from .test_inspection import DIAMETER


@tagged('post_install', '-at_install')
class TestNonconformanceUi(QualityCase, HttpCase):
    """From a rejected inspection to a closed nonconformance with a concession, driven in a
    real headless Chromium."""

    def test_qa_closes_a_nonconformance_with_a_concession(self):
        self.make_plan(self.stopper, [DIAMETER])
        _picking, lot = self.receive(self.stopper, 'STP-NC-TOUR', 500)
        inspection = self.inspection_of(lot)
        self.record_all(inspection, value='6.75')
        self.decide(inspection)
        self.assertEqual(inspection.decision, 'reject')
        self.assertNotEqual(lot.mes_release_state, 'released')

        self.start_tour('/odoo/action-mes_quality.action_mes_inspection/%d' % inspection.id,
                        'mes_quality_nc_concession_tour', login=self.qa_manager.login)

        # what the browser did is what the record says
        nc = self.env['mes.nonconformance'].search([('inspection_id', '=', inspection.id)])
        self.assertEqual(len(nc), 1)
        line = nc.line_ids
        self.assertEqual((line.lot_id, line.disposition, line.disposition_state),
                         (lot, 'use_as_is', 'done'))
        self.assertEqual(line.justification,
                         'Diameter 6.75 mm fits the barrel: design verification DV-12')
        self.assertEqual(line.mes_signature_ids.signer_id, self.qa_manager)
        # the mistyped password was refused and counted, and signed nothing
        self.assertEqual(len(line.mes_signature_ids), 1)
        self.assertTrue(self.env['mes.audit.entry'].search_count([
            ('res_model', '=', 'res.users'), ('res_id', '=', self.qa_manager.id),
            ('operation', '=', 'sign_failed')]))
        self.assertEqual(line.mes_signature_ids.reason, 'MRB concession')
        self.assertEqual((nc.state, nc.closed_by_id), ('closed', self.qa_manager))
        self.assertEqual(nc.mes_signature_ids.reason, 'Every disposition carried out')
        # the concession released the lot past its rejected inspection
        self.assertEqual(lot.mes_release_state, 'released')
