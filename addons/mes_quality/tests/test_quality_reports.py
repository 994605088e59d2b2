from odoo.addons.mes_bridge.tests.test_reports_pdf import pdf_text
from odoo.tests import HttpCase, tagged

from .common import PASSWORDS, QualityCase


@tagged('post_install', '-at_install')
class TestQualityReportsPdf(QualityCase, HttpCase):
    """Every report of mes_quality renders to a real PDF (wkhtmltopdf) with its content."""

    def render(self, report, records):
        Report = self.env['ir.actions.report'].with_context(force_report_rendering=True)
        pdf, kind = Report._render_qweb_pdf(report, records.ids)
        self.assertEqual(kind, 'pdf')
        return ' '.join(pdf_text(pdf).split())

    def test_every_report_renders_with_its_content(self):
        _picking, lot = self.receive(self.stopper, 'STP-PDF-1', 200)
        nc = self.env['mes.nonconformance'].with_user(self.inspector).create({
            'title': 'Torn stoppers', 'product_id': self.stopper.id, 'defect': 'Tear',
            'line_ids': [(0, 0, {'product_id': self.stopper.id, 'lot_id': lot.id,
                                 'quantity': 200, 'location_id': self.stock_location.id,
                                 'disposition': 'use_as_is',
                                 'justification': 'Tear outside the sealing zone'})]})
        nc.line_ids.with_user(self.qa_manager).mes_sign(
            'approved', self.qa_manager.login, PASSWORDS['qa_manager'], 'MRB 12')
        capa = self.env['mes.capa'].with_user(self.inspector).create({
            'title': 'Stopper tears', 'nonconformance_ids': [(6, 0, nc.ids)],
            'problem_statement': 'Tears at demoulding',
            'cause_ids': [(0, 0, {'category': 'machine', 'description': 'Ejector pin burr',
                                  'is_root': True})],
            'action_ids': [(0, 0, {'kind': 'corrective', 'description': 'Polish the pins',
                                   'owner_id': self.inspector.id})]})
        expected = {
            'mes_quality.action_report_mes_nonconformance': (nc, [
                'Nonconformance %s' % nc.name, 'Torn stoppers', 'STP-PDF-1',
                'Tear outside the sealing zone', 'Approved by', self.qa_manager.name]),
            'mes_quality.action_report_mes_capa': (capa, [
                'CAPA %s' % capa.name, 'Tears at demoulding', 'Ejector pin burr',
                'Polish the pins', nc.name]),
        }
        ours = self.env['ir.model.data'].search([
            ('module', 'in', ('mes_quality', 'mes_quality_equipment')),
            ('model', '=', 'ir.actions.report')])
        self.assertEqual(sorted(expected), sorted(ours.mapped('complete_name')))
        for xmlid, (records, texts) in expected.items():
            with self.subTest(report=xmlid):
                text = self.render(xmlid, records)
                for needle in texts:
                    self.assertIn(needle, text)
