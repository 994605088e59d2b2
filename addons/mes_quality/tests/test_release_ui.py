import base64

from odoo.tests import HttpCase, tagged

from .common import PASSWORDS
from .test_certificate import GTIN, CertificateCase, pdf_codes, pdf_text


@tagged('post_install', '-at_install')
class TestReleaseUi(CertificateCase, HttpCase):
    """Review by exception, QA release and the certificate, in a real headless Chromium."""

    def test_qa_reviews_releases_and_certifies(self):
        production, lot = self.make('SYR-TOUR-1', temperature='245.0', before_done=(
            lambda mo: mo.mes_exception_ids.with_user(self.qa_manager).action_disposition(
                'use_as_is', 'Within PQ-7', self.qa_manager.login, PASSWORDS['qa_manager'])))
        self.pass_final(lot)
        record = self.recompile(self.record_of(production))
        self.assertEqual(record.open_flag_count, 1)

        self.start_tour('/odoo/action-mes_quality.action_mes_production_record',
                        'mes_quality_release_tour', login=self.qa_manager.login)

        self.assertEqual((record.state, record.released_by_id), ('released', self.qa_manager))
        self.assertEqual(record.flag_ids.comment,
                         'Disposition PQ-7 checked; barrels measured in spec')
        self.assertEqual(record.mes_signature_ids.reason, 'Record reviewed by exception')
        self.assertEqual(lot.mes_release_state, 'released')
        certificate = self.env['mes.certificate'].search([('lot_ids', 'in', lot.ids)])
        self.assertEqual(len(certificate), 1)
        data = base64.b64decode(certificate.sudo().pdf)
        self.assertIn('SYR-TOUR-1', '\n'.join(pdf_text(data)))
        self.assertTrue(any(fmt == 'DataMatrix' and GTIN in text
                            for fmt, text, _gs1 in pdf_codes(data, dpi=300)))
