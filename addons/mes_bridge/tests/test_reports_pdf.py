"""Every PDF report of the MES addons renders through wkhtmltopdf and says what it must.

Odoo's test mode renders reports as HTML unless ``force_report_rendering`` is set; here they
go through the real PDF path, and the text is read back out of the PDF."""
import shutil
import subprocess

from odoo.tests import HttpCase, tagged

from .common import PASSWORDS, MesCase, instruction_pdf

# the reports of mes_bridge and what it builds on (each other addon tests its own)
OUR_ADDONS = ('mes_part11', 'mes_bridge', 'mes_equipment')


def pdf_text(pdf):
    """The text of a PDF as poppler's pdftotext reads it (what a reader can search and copy)."""
    return subprocess.run(['pdftotext', '-enc', 'UTF-8', '-', '-'], input=pdf,
                          capture_output=True, check=True).stdout.decode()


@tagged('post_install', '-at_install')
class TestReportsPdf(MesCase, HttpCase):
    instruction_document = instruction_pdf('Wear gloves.')

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exception = cls.env['mes.exception'].create({
            'description': 'Label misprint on carton 7', 'production_id': cls.create_production(cls).id})
        cls.exception.with_user(cls.supervisor).action_disposition(
            'rework', 'Relabelled the carton', cls.supervisor.login, PASSWORDS['supervisor'])

    def setUp(self):
        super().setUp()
        for tool, package in (('wkhtmltopdf', 'wkhtmltopdf'), ('pdftotext', 'poppler-utils')):
            self.assertTrue(shutil.which(tool), '%s is missing (scripts/mes installs it when root: '
                            'apt-get install %s)' % (tool, package))
        # wkhtmltopdf fetches the report's styles from this test server
        self.env['ir.config_parameter'].sudo().set_param('report.url', self.base_url())

    def render(self, report, records, lang=None):
        Report = self.env['ir.actions.report'].with_context(force_report_rendering=True)
        if lang:
            Report = Report.with_context(lang=lang)
        pdf, kind = Report._render_qweb_pdf(report, records.ids)
        self.assertEqual(kind, 'pdf')
        self.assertTrue(pdf.startswith(b'%PDF-'), 'not a PDF: %r' % pdf[:40])
        return pdf_text(pdf)

    def expectations(self):
        """Report xmlid -> (records, texts its PDF must contain)."""
        audit = self.env['mes.audit.entry'].search([
            ('res_model', '=', 'mes.exception'), ('res_id', '=', self.exception.id)])
        return {
            'mes_bridge.action_report_mes_master_record': (self.bom, [
                'Master record', self.bom.product_tmpl_id.name, 'Components',
                self.bom.bom_line_ids[0].product_id.name, 'Electronic signatures',
                self.qa_manager.name, 'Design verified', 'Valid',
                # the step's instruction document, which the approval signed
                'Document WI-MOULD-01.pdf', self.bom.operation_ids.mes_step_ids.filtered(
                    'instruction_pdf_sha256').instruction_pdf_sha256[:12]]),
            'mes_bridge.action_report_mes_exception': (self.exception, [
                'Exception %s' % self.exception.name, 'Label misprint on carton 7', 'Disposition',
                'Relabelled the carton', 'Electronic signatures', self.supervisor.name]),
            'mes_part11.action_report_mes_audit_trail': (audit, [
                'Audit trail extract', 'Hash chain verified intact', 'Relabelled the carton',
                self.supervisor.name]),
        }

    def test_every_report_of_our_addons_renders_to_pdf_with_its_content(self):
        ours = self.env['ir.model.data'].search([
            ('module', 'in', OUR_ADDONS), ('model', '=', 'ir.actions.report')])
        expected = self.expectations()
        self.assertEqual(sorted(expected), sorted(ours.mapped('complete_name')),
                         'a report of our addons has no PDF test here: add its expectations')
        for xmlid, (records, texts) in expected.items():
            with self.subTest(report=xmlid):
                self.assertTrue(records)
                text = ' '.join(self.render(xmlid, records).split())
                for needle in texts:
                    self.assertIn(' '.join(needle.split()), text)

    def test_report_prints_in_chinese(self):
        """A zh_CN user prints labels in Chinese (translations and a CJK font in the PDF)."""
        self.env['res.lang']._activate_lang('zh_CN')
        self.env['ir.module.module'].search([('name', '=', 'mes_bridge')])._update_translations('zh_CN')
        text = self.render('mes_bridge.action_report_mes_exception', self.exception, lang='zh_CN')
        self.assertIn('电子签名', text)
        self.assertIn('Label misprint on carton 7', ' '.join(text.split()))
