import base64
import io
import os
import subprocess
import tempfile

import pypdf
import zxingcpp
from PIL import Image

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, tagged

from .common import PASSWORDS
from .test_production_record import RecordCase

GTIN = '09501101530003'


def gs1_matches(scanned, expected):
    from odoo.addons.mes_quality.lib import gs1
    return gs1.udi_matches(scanned, expected)[0]


def pdf_text(data):
    return [page.extract_text() or '' for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def pdf_codes(data, page=1, dpi=200):
    """Every barcode zxing-cpp reads on a page rasterised by poppler: [(format, text, gs1)]."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'doc.pdf')
        with open(path, 'wb') as handle:
            handle.write(data)
        subprocess.run(['pdftoppm', '-r', str(dpi), '-png', '-singlefile', '-f', str(page),
                        '-l', str(page), path, os.path.join(tmp, 'page')], check=True)
        image = Image.open(os.path.join(tmp, 'page.png')).convert('L')
        return [(r.format.name, r.text, r.content_type.name == 'GS1')
                for r in zxingcpp.read_barcodes(image)]


class CertificateCase(RecordCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.syringe.product_tmpl_id.write({'mes_gtin': GTIN, 'mes_basic_udi_di': '0950110MES5ML',
                                           'default_code': 'SYR-5ML'})
        cls.customer = cls.env['res.partner'].create({'name': 'St. Mary Hospital'})
        cls.company.mes_conformity_statement = 'We certify conformity to DMR-SYR-5ML.'

    def released_lot(self, name):
        production, lot = self.make(name)
        self.pass_final(lot)
        record = self.recompile(self.record_of(production))
        self.acknowledge(record)
        outcome = self.release(record)
        self.assertTrue(outcome['signed'], outcome['message'])
        return production, lot, record

    def deliver(self, lot, qty=4):
        out = self.env['stock.warehouse'].search(
            [('company_id', '=', self.company.id)], limit=1).out_type_id
        customers = self.env.ref('stock.stock_location_customers')
        picking = self.env['stock.picking'].create({
            'picking_type_id': out.id, 'partner_id': self.customer.id, 'origin': 'SO-4711',
            'location_id': self.stock_location.id, 'location_dest_id': customers.id,
            'move_ids': [(0, 0, {'product_id': self.syringe.id, 'product_uom_qty': qty,
                                 'location_id': self.stock_location.id,
                                 'location_dest_id': customers.id})]})
        picking.action_confirm()
        picking.move_ids.move_line_ids.unlink()
        self.env['stock.move.line'].create({
            'move_id': picking.move_ids.id, 'product_id': self.syringe.id, 'lot_id': lot.id,
            'quantity': qty, 'location_id': self.stock_location.id,
            'location_dest_id': customers.id, 'picking_id': picking.id})
        picking.move_ids.picked = True
        return picking


@tagged('post_install', '-at_install')
class TestRecordPdf(CertificateCase):

    def test_record_pdf_has_every_section_on_numbered_pages(self):
        production, lot = self.make('SYR-PDF-1', temperature='245.0', before_done=(
            lambda mo: mo.mes_exception_ids.with_user(self.qa_manager).action_disposition(
                'use_as_is', 'Within PQ-7', self.qa_manager.login, PASSWORDS['qa_manager'])))
        record = self.record_of(production)
        data = base64.b64decode(record.with_user(self.inspector).mes_render_pdf())
        pages = pdf_text(data)
        text = '\n'.join(pages)
        for page_no, page in enumerate(pages, 1):
            self.assertIn('SYR-PDF-1', page)  # product and lot on every page
            self.assertIn('Page %s of %s' % (page_no, len(pages)), page)
            self.assertIn(record.content_hash[:16], page)
        for title in ('Device History Record', 'Master record', 'Review by exception', 'Steps',
                      'Materials', 'Equipment', 'Inspections', 'Exceptions and deviations',
                      'Mass balance', 'Signatures', 'Audit trail', GTIN):
            self.assertIn(title, text)
        self.assertIn('245.0', text)
        self.assertIn(record.content_hash, text.replace('\n', ''))
        # the moulding's work instruction was made with document WI-MOULD-01.pdf
        self.assertIn('WI-MOULD-01.pdf', text.replace('\n', ''))
        # each signature is printed with the audit trail's head when it was given (the
        # exception's disposition here)
        signed = self.env['mes.signature'].search([
            ('res_model', '=', 'mes.exception'),
            ('res_id', 'in', production.mes_exception_ids.ids)])
        self.assertTrue(signed and signed[0].chain_hash)
        self.assertIn(signed[0].chain_hash, ''.join(text.split()))
        # the QR code carries the content hash
        codes = pdf_codes(data, page=len(pages))
        self.assertIn(('QRCode', record.content_hash, False), codes)


@tagged('post_install', '-at_install')
class TestCertificate(CertificateCase):

    def test_qa_certificate_of_a_released_lot(self):
        production, lot, record = self.released_lot('SYR-COC-1')
        certificate = lot.with_user(self.inspector).mes_issue_certificate()
        self.assertEqual((certificate.lot_ids, certificate.picking_id), (lot, self.env[
            'stock.picking']))
        data = base64.b64decode(certificate.sudo().pdf)
        text = '\n'.join(pdf_text(data))
        for expected in ('Certificate of Conformance', certificate.name, self.company.name,
                         'SYR-5ML', 'SYR-COC-1', GTIN, '0950110MES5ML',
                         'We certify conformity to DMR-SYR-5ML.', 'Released for distribution',
                         self.qa_manager.name, record.name):
            self.assertIn(expected, text)
        self.assertIn('None', text)  # no concession applies
        # the release is anchored outside the database once it commits
        self.assertIn(('qa_release', record.display_name),
                      self.env['mes.audit.checkpoint']._mes_requested())
        # the audit trail's head at the QA release: the customer holds a copy of the anchor
        release = record.mes_signature_ids
        self.assertTrue(release.chain_hash)
        self.env.cr.execute('SELECT entry_hash FROM mes_audit_entry WHERE seq = %s',
                            [release.chain_seq])
        self.assertEqual(self.env.cr.fetchone()[0], release.chain_hash)
        flat = ''.join(text.split())
        self.assertIn(release.chain_hash, flat)
        self.assertIn('entry%s' % release.chain_seq, flat)
        codes = pdf_codes(data, dpi=300)
        datamatrix = [c for c in codes if c[0] == 'DataMatrix']
        self.assertEqual(len(datamatrix), 1)
        self.assertTrue(datamatrix[0][2])  # GS1
        self.assertIn('(01)%s' % GTIN, datamatrix[0][1])
        self.assertIn('(10)SYR-COC-1', datamatrix[0][1])
        self.assertIn(('QRCode', certificate.verification_url, False), codes)
        self.assertTrue(certificate.verification_url.endswith(
            '/mes/coc/%s/%s' % (certificate.name, certificate.content_hash)))
        # over JSON-2 the latest certificate of the lot comes back
        answer = lot.with_user(self.inspector).mes_certificate_pdf()
        self.assertEqual(answer['name'], certificate.name)
        self.assertEqual(base64.b64decode(answer['pdf']), data)

    def test_delivery_gets_its_certificate_and_unreleased_lots_none(self):
        _production, lot, _record = self.released_lot('SYR-COC-2')
        picking = self.deliver(lot)
        picking.button_validate()
        certificate = self.env['mes.certificate'].search([('picking_id', '=', picking.id)])
        self.assertEqual(len(certificate), 1)
        text = '\n'.join(pdf_text(base64.b64decode(certificate.sudo().pdf)))
        for expected in ('St. Mary Hospital', 'SO-4711', picking.name, 'SYR-COC-2', '4.0'):
            self.assertIn(expected, text)
        attachment = self.env['ir.attachment'].search(
            [('res_model', '=', 'stock.picking'), ('res_id', '=', picking.id)])
        self.assertEqual(attachment.name, '%s.pdf' % certificate.name)
        self.assertEqual(picking.mes_certificate_pdf()['name'], certificate.name)
        # a lot not released gets no certificate from QA either
        _production, held = self.make('SYR-COC-3')
        with self.assertRaisesRegex(UserError, 'released lots only'):
            held.with_user(self.inspector).mes_issue_certificate()
        with self.assertRaises(AccessError):
            lot.with_user(self.operator).mes_issue_certificate()

    def test_no_certificate_before_the_record_is_released(self):
        production, lot = self.make('SYR-COC-5')
        self.pass_final(lot)
        # QA cannot release the lot by hand while its record still waits for review
        with self.assertRaisesRegex(UserError, 'released with the production record'):
            lot.with_user(self.qa_manager).write({'mes_release_state': 'released'})
        self.assertEqual(lot.mes_release_state, 'quarantine')
        with self.assertRaisesRegex(UserError, 'released lots only'):
            lot.with_user(self.inspector).mes_issue_certificate()
        # a product whose lots are born released and that has no final inspection (so set in
        # its master data): the lot is released while its record is in review, and gets no
        # certificate before the record is
        self.syringe.mes_lot_release_state = 'released'
        self.final.sudo().active = False
        production, lot = self.make('SYR-COC-6')
        self.assertEqual(lot.mes_release_state, 'released')
        with self.assertRaisesRegex(UserError, 'production record is released'):
            lot.with_user(self.inspector).mes_issue_certificate()
        # a delivery of it still leaves, and says why it has no certificate
        picking = self.deliver(lot, qty=2)
        picking.button_validate()
        self.assertEqual(picking.state, 'done')
        self.assertFalse(self.env['mes.certificate'].search([('picking_id', '=', picking.id)]))
        self.assertTrue(any('production record is released' in str(body)
                            for body in picking.message_ids.mapped('body')))
        self.assertTrue(picking.activity_ids)
        self.assertEqual(production.mes_production_record_state, 'review')

    def test_certificates_cannot_be_forged(self):
        _production, lot, _record = self.released_lot('SYR-COC-4')
        certificate = lot.with_user(self.inspector).mes_issue_certificate()
        with self.assertRaises(UserError):
            self.env['mes.certificate'].with_user(self.qa_manager).create(
                {'name': 'COC-FAKE', 'company_id': self.company.id})
        with self.assertRaises(UserError):
            certificate.with_user(self.qa_manager).write({'content_hash': '0' * 64})
        with self.assertRaises(UserError):
            certificate.sudo().unlink()

    def test_gtin_is_validated(self):
        template = self.syringe.product_tmpl_id
        with self.assertRaises(ValidationError):
            template.mes_gtin = '09501101530004'
        template.mes_gtin = '4006381333931'
        self.assertEqual(template.mes_gtin, '04006381333931')


@tagged('post_install', '-at_install')
class TestUdiLabel(CertificateCase):

    def test_label_pdf_carries_the_udi(self):
        _production, lot = self.make('SYR-LBL-1')
        data = base64.b64decode(lot.with_user(self.inspector).mes_udi_label_pdf())
        text = pdf_text(data)[0]
        self.assertIn('(01)%s' % GTIN, text)
        self.assertIn('(10)SYR-LBL-1', text)
        self.assertIn('LOT SYR-LBL-1', text)
        codes = pdf_codes(data, dpi=300)
        self.assertEqual(len(codes), 1)
        fmt, hri, is_gs1 = codes[0]
        self.assertEqual((fmt, is_gs1), ('DataMatrix', True))
        self.assertEqual(hri, '(01)%s(10)SYR-LBL-1' % GTIN)
        # what is printed is what the label-verification step expects
        self.assertTrue(gs1_matches(hri, self.env['mes.certificate']._mes_udi(lot)))
        no_gtin = self.env['stock.lot'].create({'name': 'RES-LBL', 'product_id': self.resin.id})
        with self.assertRaisesRegex(UserError, 'no GTIN'):
            no_gtin.mes_udi_label_pdf()

    def test_label_verification_step(self):
        action = self.bom.with_user(self.planner).action_mes_new_version()
        v2 = self.env['mrp.bom'].browse(action['res_id'])
        assembly = v2.operation_ids.sorted('sequence')[-1]
        self.env['mes.operation.step'].with_user(self.planner).create({
            'operation_id': assembly.id, 'sequence': 7, 'name': 'Verify the UDI label',
            'step_type': 'label'})
        self.approve(v2)
        production = self.create_production(bom=v2)
        lot = self.env['stock.lot'].create({'name': 'SYR-LBL-2', 'product_id': self.syringe.id})
        production.lot_producing_ids = lot
        production.with_user(self.supervisor).action_mes_release()
        molding, assembly_wo = self.workorders(production)
        self.run_molding(molding)
        self.run_assembly(assembly_wo)
        step = self.steps(assembly_wo)[-1]
        self.assertEqual(step.step_type, 'label')
        # the label of another lot
        wrong = self.record(step, code='(01)%s(10)SYR-LBL-9' % GTIN)
        self.assertFalse(wrong['accepted'])
        exception = self.env['mes.exception'].browse(wrong['exception_id'])
        self.assertEqual(exception.kind, 'label_mismatch')
        self.assertIn('SYR-LBL-9', exception.scanned_code)
        # garbage is refused the same way, never accepted
        self.assertFalse(self.record(step, code='not a label')['accepted'])
        self.assertEqual(step.state, 'pending')
        # the right label, as the scanner sends it (raw, symbology identifier)
        expected = self.env['mes.certificate']._mes_udi(lot)
        outcome = self.record(step, code=']d2' + expected.data)
        self.assertTrue(outcome['accepted'], outcome['message'])
        self.assertEqual((step.state, step.result, step.lot_id), ('done', 'pass', lot))


@tagged('post_install', '-at_install')
class TestCertificateVerificationPage(CertificateCase, HttpCase):
    """The public page, on a real running server, without a session."""

    def test_good_altered_and_recalled_certificates(self):
        _production, lot, _record = self.released_lot('SYR-VER-1')
        certificate = lot.with_user(self.inspector).mes_issue_certificate()
        data = base64.b64decode(certificate.sudo().pdf)
        url = '/mes/coc/%s/%s' % (certificate.name, certificate.content_hash)
        page = self.url_open(url)
        self.assertEqual(page.status_code, 200)
        self.assertIn('matches the one issued', page.text)
        self.assertIn('SYR-VER-1', page.text)
        self.assertNotIn('St. Mary', page.text)
        # the PDF as issued, then altered
        page = self.url_open(url, files={'pdf': ('c.pdf', data, 'application/pdf')})
        self.assertIn('unaltered', page.text)
        altered = data + b'\n% edited after issue\n'
        page = self.url_open(url, files={'pdf': ('c.pdf', altered, 'application/pdf')})
        self.assertIn('was altered', page.text)
        # a forged hash reveals nothing, not even that the number exists
        page = self.url_open('/mes/coc/%s/%s' % (certificate.name, '0' * 64))
        self.assertEqual(page.status_code, 404)
        self.assertNotIn('SYR-VER-1', page.text)
        # an unknown number
        self.assertEqual(self.url_open('/mes/coc/COC-0000-99999/%s' % ('0' * 64)).status_code,
                         404)
        # the lot is put on hold (a recall): the page says so
        lot.with_user(self.qa_manager).write({'mes_release_state': 'on_hold'})
        page = self.url_open(url)
        self.assertIn('On Hold since the certificate was issued', page.text)
