import base64
import csv
import hashlib
import io
import json
import os
import zipfile

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

VALIDATION_RESULTS = [
    ('pass', 'Every testable requirement passed'),
    ('fail', 'Failed or missing tests'),
]
# what the kit's folder must hold to be imported
REQUIRED_FILES = ('manifest.json', 'summary.json', 'iq.json', 'traceability.csv',
                  'oq-report.pdf')


class MesValidationRun(models.Model):
    """One run of the validation kit (make validate) on an installation: the IQ record, the
    verdict of every requirement and the OQ report, as imported from the kit's folder (its
    manifest checked). QA reviews and signs it; a run with a failed or missing test cannot be
    approved. The audit trail of these records is the history of the validated state."""
    _name = 'mes.validation.run'
    _description = 'Validation Run'
    _order = 'recorded desc, id desc'
    _inherit = ['mes.audited', 'mes.signable']
    _mes_audit_fields = ('name', 'revision', 'manifest_sha256', 'result', 'requirement_count',
                         'passed_count', 'failed_count')
    _mes_signature_content = ('name', 'revision', 'manifest_sha256', 'result',
                              'requirement_count', 'passed_count', 'failed_count',
                              ('line_ids', ('requirement', 'verdict')))

    name = fields.Char(required=True, readonly=True)
    recorded = fields.Datetime(string='Run on (UTC)', readonly=True)
    revision = fields.Char(string='Git Revision', readonly=True)
    odoo_version = fields.Char(string='Odoo', readonly=True)
    python_version = fields.Char(string='Python', readonly=True)
    postgresql_version = fields.Char(string='PostgreSQL', readonly=True)
    os_name = fields.Char(string='Operating System', readonly=True)
    addon_versions = fields.Text(readonly=True)
    differences = fields.Text(string='Differences from the Supported Matrix', readonly=True)
    manifest = fields.Text(readonly=True)
    manifest_sha256 = fields.Char(string='Manifest SHA-256', readonly=True)
    result = fields.Selection(VALIDATION_RESULTS, readonly=True)
    requirement_count = fields.Integer(string='Requirements Traced', readonly=True)
    passed_count = fields.Integer(string='Passed', readonly=True)
    failed_count = fields.Integer(string='Failed or Missing', readonly=True)
    procedure_count = fields.Integer(string='By Procedure', readonly=True)
    report_pdf = fields.Binary(string='OQ Report', attachment=True, readonly=True)
    report_filename = fields.Char(readonly=True)
    report_pdf_zh_cn = fields.Binary(string='OQ Report (Chinese)', attachment=True, readonly=True)
    report_zh_cn_filename = fields.Char(readonly=True)
    matrix_xlsx = fields.Binary(string='Traceability Matrix', attachment=True, readonly=True)
    matrix_filename = fields.Char(readonly=True)
    line_ids = fields.One2many('mes.validation.requirement', 'run_id',
                               string='Requirement Verdicts', readonly=True)
    company_id = fields.Many2one('res.company', default=lambda self: self.env.company,
                                 readonly=True)

    # -- written by the import only ------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not (self.env.su and self.env.context.get('mes_validation_import')):
            raise UserError(_('Validation runs are imported from the validation kit\'s folder.'))
        return super().create(vals_list)

    def write(self, vals):
        facts = set(self._fields) - {'mes_signature_ids', 'mes_signature_status',
                                     'mes_signature_manifest', 'mes_next_signature',
                                     'mes_audit_entry_ids', 'mes_audit_entry_count'}
        if facts & set(vals) and not (self.env.su and
                                      self.env.context.get('mes_validation_import')):
            raise UserError(_('A validation run is kept as it was imported.'))
        return super().write(vals)

    @api.model
    def _mes_check_importer(self):
        if not (self.env.user.has_group('mes_bridge.group_mes_quality_manager')
                or self.env.user.has_group('mes_bridge.group_mes_admin')):
            raise AccessError(_('Validation runs are imported by QA or an MES administrator.'))

    @api.model
    def mes_import_zip(self, data):
        """Import the kit's folder, zipped (base64): every file is checked against the
        manifest first; nothing is created when one does not match."""
        self._mes_check_importer()
        try:
            archive = zipfile.ZipFile(io.BytesIO(base64.b64decode(data)))
            names = [info.filename for info in archive.infolist() if not info.is_dir()]
            # the folder may be zipped with its path in front: its manifest says where it is
            manifests = sorted((name for name in names if name == 'manifest.json'
                                or name.endswith('/manifest.json')), key=len)
            prefix = manifests[0][:-len('manifest.json')] if manifests else ''
            files = {name[len(prefix):]: archive.read(name) for name in names
                     if name.startswith(prefix)}
        except (ValueError, zipfile.BadZipFile) as error:
            raise UserError(_('This is not the zipped folder of a validation run: %(error)s',
                              error=str(error))) from error
        return self._mes_import(files)

    @api.model
    def _mes_import_folder(self, path):
        """Import the kit's folder from the server's disk (scripts/validate.py --record)."""
        files = {}
        for current, _dirs, names in os.walk(path):
            for name in names:
                full = os.path.join(current, name)
                with open(full, 'rb') as handle:
                    files[os.path.relpath(full, path)] = handle.read()
        return self._mes_import(files)

    @api.model
    def _mes_import(self, files):
        missing = [name for name in REQUIRED_FILES if name not in files]
        if missing:
            raise UserError(_('The validation folder lacks %(files)s.',
                              files=', '.join(missing)))
        try:
            manifest = json.loads(files['manifest.json'])['files']
            summary = json.loads(files['summary.json'])
            iq = json.loads(files['iq.json'])
        except (ValueError, KeyError, TypeError) as error:
            raise UserError(_('The validation folder is not readable: %(error)s',
                              error=str(error))) from error
        altered = sorted(name for name, digest in manifest.items()
                         if name not in files or hashlib.sha256(files[name]).hexdigest()
                         != digest)
        unlisted = sorted(set(files) - set(manifest) - {'manifest.json'})
        if altered or unlisted:
            raise UserError(_('The validation folder does not match its manifest (altered or '
                              'missing: %(altered)s; not listed: %(unlisted)s): it is not '
                              'imported.', altered=', '.join(altered) or '-',
                              unlisted=', '.join(unlisted) or '-'))
        lines = []
        for row in csv.DictReader(io.StringIO(files['traceability.csv'].decode('utf-8-sig'))):
            lines.append((0, 0, {
                'requirement': row['Requirement'], 'source': row['Source'],
                'kind': row['Kind'], 'title': row['Requirement text'],
                'tests': row['Tests'], 'results': row['Results'], 'verdict': row['Verdict'],
                'procedure': row['Procedure'], 'gap': row['Gap']}))
        verdicts = summary.get('verdicts', {})
        failed = sum(verdicts.get(key, 0) for key in ('failed', 'no test', 'not run'))
        failed += len(summary.get('trace_problems') or [])
        # a failed test no requirement names keeps the run from approval all the same
        failed += len(summary.get('untraced_failures') or [])
        recorded = (iq.get('recorded') or '').replace(' UTC', '')
        run = self.sudo().with_context(mes_validation_import=True).create({
            'name': 'OQ %s' % (iq.get('recorded') or '?'),
            'recorded': fields.Datetime.to_datetime(recorded) if recorded else False,
            'revision': iq.get('revision'), 'odoo_version': iq.get('odoo'),
            'python_version': iq.get('python'), 'postgresql_version': iq.get('postgresql'),
            'os_name': iq.get('os'),
            'addon_versions': '\n'.join('%s %s' % item for item in sorted(
                (iq.get('addons') or {}).items())),
            'differences': '\n'.join(iq.get('differences') or []) or False,
            'manifest': files['manifest.json'].decode(),
            'manifest_sha256': hashlib.sha256(files['manifest.json']).hexdigest(),
            'result': 'fail' if failed else 'pass',
            'requirement_count': len(lines), 'passed_count': verdicts.get('passed', 0),
            'failed_count': failed, 'procedure_count': verdicts.get('procedure', 0),
            'report_pdf': base64.b64encode(files['oq-report.pdf']),
            'report_filename': 'oq-report.pdf',
            'report_pdf_zh_cn': base64.b64encode(files['oq-report.zh_CN.pdf'])
            if 'oq-report.zh_CN.pdf' in files else False,
            'report_zh_cn_filename': 'oq-report.zh_CN.pdf',
            'matrix_xlsx': base64.b64encode(files['traceability.xlsx'])
            if 'traceability.xlsx' in files else False,
            'matrix_filename': 'traceability.xlsx',
            'line_ids': lines,
        })
        # in the caller's environment: the import's context does not leave this method
        return self.browse(run.id)

    # -- QA's approval ---------------------------------------------------------------------------
    def _mes_check_can_sign(self, meaning):
        line = super()._mes_check_can_sign(meaning)
        if self.result != 'pass' or self.failed_count:
            raise UserError(_('%(run)s has failed or missing tests: it cannot be approved. '
                              'Correct the causes and validate again.', run=self.display_name))
        return line

    def action_download_report(self):
        self.ensure_one()
        return {'type': 'ir.actions.act_url', 'target': 'download',
                'url': '/web/content/mes.validation.run/%s/report_pdf/%s?download=true' % (
                    self.id, self.report_filename)}
