import hashlib
import json

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib import process_store


class MesProcessArchive(models.Model):
    """The manifest of dropped process value partitions: one line per day partition the
    retention job dropped, with the values of the tags critical for the record in a compressed
    file (the filestore) and its SHA-256 (a partition without critical tags has a file with
    no values). Written by the retention job only; verifiable, readable and restorable."""
    _name = 'mes.process.archive'
    _description = 'Process Value Archive'
    _order = 'date_from desc'
    _log_access = True

    name = fields.Char(required=True, readonly=True)
    date_from = fields.Datetime(string='From (UTC)', required=True, readonly=True)
    date_to = fields.Datetime(string='To (UTC)', required=True, readonly=True)
    tag_ids = fields.Many2many('mes.opcua.tag', string='Tags', readonly=True)
    row_count = fields.Integer(string='Values', readonly=True)
    sha256 = fields.Char(string='SHA-256', required=True, readonly=True)
    attachment_id = fields.Many2one('ir.attachment', string='File', readonly=True,
                                    ondelete='restrict')
    verified = fields.Datetime(string='Last Verified', readonly=True)

    _partition_unique = models.Constraint('UNIQUE (name)', 'A partition is archived once.')

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.context.get('mes_process_retention'):
            raise UserError(_('Process value archives are made by the retention job.'))
        return super().create(vals_list)

    def write(self, vals):
        if set(vals) - {'verified'}:
            raise UserError(_('A process value archive cannot be changed.'))
        return super().write(vals)

    def unlink(self):
        if self:
            raise UserError(_('A process value archive cannot be deleted.'))
        return super().unlink()

    def _mes_bytes(self):
        self.ensure_one()
        data = self.sudo().attachment_id.raw or b''
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise UserError(_('The archive %(name)s does not match its SHA-256 in the manifest: '
                              'the file was changed or lost.', name=self.name))
        return data

    def action_verify(self):
        for archive in self:
            archive._mes_bytes()
        self.sudo().write({'verified': fields.Datetime.now()})
        return True

    def _mes_read(self, tag_ids=None, start=None, stop=None):
        """The archived values (verified first), ``(tag id, source time, value, status,
        backfilled)`` in order."""
        rows = []
        for archive in self.sorted('date_from'):
            rows.extend(process_store.read_archive(archive._mes_bytes(), tag_ids, start, stop))
        return rows

    def action_restore(self):
        """Put the archived values back into their day partition (verified first; values
        already there are left as they are). Returns how many came back."""
        self.env['mes.process.value'].check_access('read')
        if not self.env.user.has_group('mes_bridge.group_mes_admin'):
            raise UserError(_('Only an MES administrator restores archived process values.'))
        restored = 0
        for archive in self:
            rows = process_store.read_archive(archive._mes_bytes())
            day = archive.date_from.date()
            process_store.ensure_partitions(self.env.cr, day, day)
            restored += process_store.write_values(self.env.cr, rows)
        return restored

    @api.model
    def _mes_manifest(self):
        """The manifest as JSON lines: partition, range, tags, count, SHA-256."""
        return '\n'.join(json.dumps({
            'partition': archive.name, 'from': str(archive.date_from),
            'to': str(archive.date_to), 'tags': archive.tag_ids.ids,
            'values': archive.row_count, 'sha256': archive.sha256})
            for archive in self.sudo().search([], order='date_from'))

    @api.model
    def _mes_archive_partition(self, name, start, stop, tag_ids):
        data, count = process_store.archive_bytes(self.env.cr, name, tag_ids)
        digest = hashlib.sha256(data).hexdigest()
        # a partition restored and dropped again: the same values are archived already; other
        # values (some came back since) make an archive of their own
        earlier = self.sudo().search([('name', '=like', name + '%')])
        same = earlier.filtered(lambda a: a.sha256 == digest)
        if same:
            return same[:1]
        if earlier:
            name = '%s-%d' % (name, len(earlier) + 1)
        attachment = self.env['ir.attachment'].sudo().create({
            'name': '%s.csv.gz' % name, 'raw': data, 'mimetype': 'application/gzip',
            'res_model': self._name})
        archive = self.sudo().with_context(mes_process_retention=True).create({
            'name': name, 'date_from': start, 'date_to': stop,
            'tag_ids': [fields.Command.set(tag_ids)], 'row_count': count,
            'sha256': digest, 'attachment_id': attachment.id})
        attachment.res_id = archive.id
        return archive
