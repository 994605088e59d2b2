import base64
import hashlib
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import MesCase, instruction_pdf


def sha256(data):
    return hashlib.sha256(base64.b64decode(data)).hexdigest()


@tagged('post_install', '-at_install')
class TestInstructionDocuments(MesCase):
    """A step's instruction document (PDF): checked on upload, approved with the master
    record, released as it was approved, audited, never changed on released work."""
    instruction_document = instruction_pdf('Wear gloves.')

    def master_step(self, bom=None):
        return (bom or self.bom).operation_ids.mes_step_ids.filtered(
            lambda s: s.step_type == 'instruction')

    def attachment(self, record):
        return self.env['ir.attachment'].sudo().search([
            ('res_model', '=', record._name), ('res_id', '=', record.id),
            ('res_field', '=', 'instruction_pdf')])

    def new_version(self):
        return self.env['mrp.bom'].browse(
            self.bom.with_user(self.planner).action_mes_new_version()['res_id'])

    def test_released_work_keeps_the_document_it_was_released_with(self):
        master = self.master_step()
        digest = sha256(self.instruction_document)
        self.assertEqual(master.instruction_pdf_sha256, digest)
        production = self.released_production()
        step = self.steps(self.workorders(production)[0])[0]
        self.assertEqual((step.instruction_pdf_name, step.instruction_pdf_sha256),
                         ('WI-MOULD-01.pdf', digest))
        self.assertEqual(sha256(step.with_context(bin_size=False).instruction_pdf), digest)
        # one file in the filestore for the master and every released copy
        self.assertEqual(self.attachment(step).store_fname, self.attachment(master).store_fname)
        # version 2 gets another document: the released step keeps the one it was released
        # with, an order released from version 2 gets the new one
        v2 = self.new_version()
        self.master_step(v2).write({'instruction_pdf': instruction_pdf('Wear gloves and mask.'),
                                    'instruction_pdf_name': 'WI-MOULD-02.pdf'})
        self.approve(v2)
        step.invalidate_recordset()
        self.assertEqual(step.instruction_pdf_sha256, digest)
        self.assertEqual(sha256(step.with_context(bin_size=False).instruction_pdf), digest)
        later = self.create_production(bom=v2)
        later.with_user(self.supervisor).action_mes_release()
        later_step = self.steps(self.workorders(later)[0])[0]
        self.assertEqual(later_step.instruction_pdf_name, 'WI-MOULD-02.pdf')
        self.assertEqual(later_step.instruction_pdf_sha256,
                         sha256(instruction_pdf('Wear gloves and mask.')))

    def test_only_a_pdf_of_reasonable_size_is_accepted(self):
        v2 = self.new_version()
        step = self.master_step(v2)

        def refused(message, write):
            with self.assertRaises(ValidationError) as caught:
                write()
            self.assertIn(message, str(caught.exception))

        refused('not a PDF', lambda: step.write(
            {'instruction_pdf': base64.b64encode(b'MZ\x90\x00 an executable')}))
        refused('not a PDF', lambda: self.env['mes.operation.step'].create({
            'operation_id': v2.operation_ids[0].id, 'name': 'Look at the drawing',
            'instruction_pdf': base64.b64encode(b'<html>not a pdf</html>')}))
        with patch('odoo.addons.mes_bridge.models.mes_operation_step.MAX_INSTRUCTION_PDF_BYTES',
                   100):
            refused('larger than', lambda: step.write(
                {'instruction_pdf': instruction_pdf('Too long for the limit here.')}))
        # nothing of it was kept
        step.invalidate_recordset()
        self.assertEqual(step.instruction_pdf_sha256, sha256(self.instruction_document))
        self.assertEqual(len(v2.operation_ids[0].mes_step_ids.filtered(
            lambda s: s.name == 'Look at the drawing')), 0)

    def test_approval_covers_the_document_and_sees_a_file_swapped_behind_it(self):
        self.assertEqual(self.bom.mes_signature_status, 'signed')
        [signature] = self.bom.mes_signature_ids
        self.assertEqual((signature.content_version, signature.status), (3, 'valid'))
        # the document is in what was signed (content rules 3); an approval given under the
        # rules before documents (2) still verifies against what it covered
        self.assertNotEqual(self.bom._mes_content_hash(2), self.bom._mes_content_hash())
        self.env.cr.execute('UPDATE mes_signature SET content_version = 2, content_hash = %s '
                            'WHERE id = %s', [self.bom._mes_content_hash(2), signature.id])
        self.env.invalidate_all()
        self.assertEqual(signature.status, 'valid')
        self.env.cr.execute('UPDATE mes_signature SET content_version = 3, content_hash = %s '
                            'WHERE id = %s', [self.bom._mes_content_hash(), signature.id])
        self.env.invalidate_all()
        # an approved master record's document cannot be changed, even by the superuser
        with self.assertRaises(UserError):
            self.master_step().sudo().write({'instruction_pdf': instruction_pdf('Other.')})
        # the file replaced in the filestore's table, behind the application
        other = self.env['ir.attachment'].sudo().create({
            'name': 'other.pdf', 'raw': base64.b64decode(instruction_pdf('No gloves needed.'))})
        self.env.cr.execute(
            'UPDATE ir_attachment SET store_fname = %s, checksum = %s, file_size = %s '
            'WHERE id = %s', [other.store_fname, other.checksum, other.file_size,
                              self.attachment(self.master_step()).id])
        self.env.invalidate_all()
        self.assertEqual(self.bom.mes_signature_status, 'invalid')

    def test_signed_step_covers_its_document(self):
        # a signature step with a document: what the signer saw is part of what is signed
        v2 = self.new_version()
        signature_master = v2.operation_ids.mes_step_ids.filtered(
            lambda s: s.step_type == 'signature')
        signature_master.write({'instruction_pdf': instruction_pdf('Line clearance form.'),
                                'instruction_pdf_name': 'FORM-LC.pdf'})
        self.approve(v2)
        production = self.create_production(bom=v2)
        production.with_user(self.supervisor).action_mes_release()
        molding, assembly = self.workorders(production)
        step = self.steps(assembly).filtered(lambda s: s.step_type == 'signature')
        content = step._mes_content()
        self.assertEqual(content['instruction_pdf_sha256'],
                         sha256(instruction_pdf('Line clearance form.')))
        # a step without a document signs what it always did (signatures given before
        # documents existed still verify)
        self.assertNotIn('instruction_pdf_sha256', self.steps(molding)[1]._mes_content())

    def test_changes_of_the_document_are_in_the_audit_trail(self):
        v2 = self.new_version()
        step = self.master_step(v2)
        step.with_user(self.planner).write({
            'instruction_pdf': instruction_pdf('Wear gloves and mask.'),
            'instruction_pdf_name': 'WI-MOULD-02.pdf'})
        entries = self.env['mes.audit.entry'].search([
            ('res_model', '=', step._name), ('res_id', '=', step.id), ('operation', '=', 'write')])
        by_field = {entry.field_name: entry for entry in entries}
        document = by_field['instruction_pdf']
        new_digest = sha256(instruction_pdf('Wear gloves and mask.'))
        self.assertEqual((document.old_value, document.new_value),
                         ('sha256:' + sha256(self.instruction_document), 'sha256:' + new_digest))
        self.assertIn(new_digest, document.new_display)
        self.assertEqual(document.user_id, self.planner)
        self.assertEqual(by_field['instruction_pdf_name'].new_value, 'WI-MOULD-02.pdf')

    def test_released_documents_cannot_be_changed_by_anyone_on_the_floor(self):
        production = self.released_production()
        step = self.steps(self.workorders(production)[0])[0]
        for user in (self.operator, self.supervisor, self.planner, self.qa_manager):
            with self.assertRaises(AccessError):
                step.with_user(user).write({'instruction_pdf': instruction_pdf('Skip gloves.')})
        self.assertEqual(step.instruction_pdf_sha256, sha256(self.instruction_document))
