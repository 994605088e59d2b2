import base64
import csv
import hashlib
import io
import json
import zipfile

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import PASSWORDS, MesCase

COLUMNS = ['Requirement', 'Source', 'Kind', 'Requirement text', 'How the product meets it',
           'Tests', 'Results', 'Verdict', 'Procedure', 'Gap']


def kit_folder(verdicts, tamper=False, prefix='', untraced_failures=()):
    """The zipped folder of a validation kit run (as scripts/validate.py writes it)."""
    rows = [['P11-10e', 'P11', 'T', 'audit trail', 'mes.audit.entry',
             'mes_bridge:TestAuditTrail.test_x', 'passed 0.4 s', verdicts[0], '', ''],
            ['A11-15', 'A11', 'T', 'release by authorised people', 'QA release',
             'mes_quality:TestX.test_y', 'failed 1.0 s' if verdicts[1] == 'failed'
             else 'passed 1.0 s', verdicts[1], '', ''],
            ['P11-10i', 'P11', 'P', 'training', '', '', '', 'procedure', 'Training SOP', '']]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    counts = {}
    for verdict in [row[7] for row in rows]:
        counts[verdict] = counts.get(verdict, 0) + 1
    files = {
        'traceability.csv': buffer.getvalue().encode('utf-8-sig'),
        'summary.json': json.dumps({'verdicts': counts, 'trace_problems': [],
                                    'untraced_failures': list(untraced_failures)}).encode(),
        'iq.json': json.dumps({'recorded': '2026-12-04 00:12:08 UTC', 'odoo': '19.0',
                               'python': '3.11.2', 'postgresql': '15.2',
                               'os': 'Debian GNU/Linux 12 (bookworm)', 'revision': 'cc3c7c7',
                               'addons': {'mes_bridge': '19.0.1.4.0'},
                               'differences': []}).encode(),
        'oq-report.pdf': b'%PDF-1.4 OQ report',
        'traceability.xlsx': b'PK xlsx',
        'logs/odoo.log': b'2026-12-04 00:00:00,000 1 INFO db odoo: done',
    }
    manifest = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    if tamper:
        files['summary.json'] = json.dumps({'verdicts': {'passed': 2, 'procedure': 1}}).encode()
    files['manifest.json'] = json.dumps({'files': manifest}).encode()
    data = io.BytesIO()
    with zipfile.ZipFile(data, 'w') as archive:
        for name, content in files.items():
            archive.writestr(prefix + name, content)
    return base64.b64encode(data.getvalue())


@tagged('post_install', '-at_install')
class TestValidationRun(MesCase):
    """A run of the validation kit is imported as a record QA reviews and signs; a failed or
    missing test keeps it from being approved; the folder must match its manifest.

    Requirements: ISO-4.1.6, P11-10a"""

    def test_green_run_is_imported_and_approved_by_qa(self):
        Run = self.env['mes.validation.run']
        run = Run.with_user(self.qa_manager).mes_import_zip(
            kit_folder(['passed', 'passed'], prefix='validation-runs/20261204T001208Z/'))
        self.assertEqual((run.result, run.requirement_count, run.passed_count, run.failed_count,
                          run.procedure_count), ('pass', 3, 2, 0, 1))
        self.assertEqual((run.revision, run.odoo_version, run.os_name),
                         ('cc3c7c7', '19.0', 'Debian GNU/Linux 12 (bookworm)'))
        self.assertEqual(base64.b64decode(run.report_pdf), b'%PDF-1.4 OQ report')
        self.assertEqual(run.line_ids.mapped('requirement'), ['P11-10e', 'A11-15', 'P11-10i'])
        self.assertTrue(self.env['mes.audit.entry'].search(
            [('res_model', '=', run._name), ('res_id', '=', run.id),
             ('field_name', '=', 'manifest_sha256')]))
        # the inspector reads it; QA approves with a signature
        self.assertEqual(run.with_user(self.inspector).name, 'OQ 2026-12-04 00:12:08 UTC')
        with self.assertRaises(AccessError):
            run.with_user(self.operator).mes_sign('approved', self.operator.login,
                                                  PASSWORDS['operator'], 'ok')
        outcome = run.with_user(self.qa_manager).mes_sign(
            'approved', self.qa_manager.login, PASSWORDS['qa_manager'], 'OQ reviewed: no deviation')
        self.assertTrue(outcome['signed'], outcome['message'])
        self.assertEqual(run.mes_signature_status, 'signed')
        self.assertEqual(run.mes_signature_ids.reason, 'OQ reviewed: no deviation')

    def test_failed_run_cannot_be_approved(self):
        run = self.env['mes.validation.run'].with_user(self.qa_manager).mes_import_zip(
            kit_folder(['passed', 'failed']))
        self.assertEqual((run.result, run.failed_count), ('fail', 1))
        self.assertEqual(run.line_ids.filtered(lambda l: l.verdict == 'failed').requirement,
                         'A11-15')
        with self.assertRaisesRegex(UserError, 'failed or missing tests'):
            run.with_user(self.qa_manager).mes_sign('approved', self.qa_manager.login,
                                                    PASSWORDS['qa_manager'], 'looks fine')
        self.assertEqual(run.mes_signature_status, 'unsigned')
        # every requirement passed, but a test no requirement names failed: not approved
        run = self.env['mes.validation.run'].with_user(self.qa_manager).mes_import_zip(
            kit_folder(['passed', 'passed'],
                       untraced_failures=['mes_quality:TestReports.test_pdf']))
        self.assertEqual((run.result, run.failed_count), ('fail', 1))
        with self.assertRaisesRegex(UserError, 'failed or missing tests'):
            run.with_user(self.qa_manager).mes_sign('approved', self.qa_manager.login,
                                                    PASSWORDS['qa_manager'], 'looks fine')

    def test_altered_folder_and_hostile_callers_are_refused(self):
        Run = self.env['mes.validation.run']
        before = Run.search_count([])
        with self.assertRaisesRegex(UserError, 'does not match its manifest'):
            Run.with_user(self.qa_manager).mes_import_zip(kit_folder(['passed', 'failed'],
                                                                     tamper=True))
        with self.assertRaisesRegex(UserError, 'not the zipped folder'):
            Run.with_user(self.qa_manager).mes_import_zip(base64.b64encode(b'not a zip'))
        self.assertEqual(Run.search_count([]), before)
        with self.assertRaises(AccessError):
            Run.with_user(self.operator).mes_import_zip(kit_folder(['passed', 'passed']))
        with self.assertRaises(AccessError):
            Run.with_user(self.inspector).mes_import_zip(kit_folder(['passed', 'passed']))
        with self.assertRaises(UserError):
            Run.with_user(self.qa_manager).with_context(mes_validation_import=True).create(
                {'name': 'OQ forged', 'result': 'pass'})
        run = Run.with_user(self.qa_manager).mes_import_zip(kit_folder(['passed', 'failed']))
        with self.assertRaises(UserError):
            run.with_user(self.qa_manager).write({'result': 'pass', 'failed_count': 0})
        with self.assertRaises(UserError):
            run.line_ids[1].sudo().write({'verdict': 'passed'})
        with self.assertRaises(UserError):
            run.line_ids[1].sudo().unlink()
        with self.assertRaises(UserError):
            run.sudo().unlink()
        self.assertEqual((run.result, run.line_ids[1].verdict), ('fail', 'failed'))
