import csv
import io

from odoo import _, fields, models
from odoo.exceptions import UserError

from ..lib import spreadsheet

CSV_COLUMNS = ['seq', 'timestamp', 'user_name', 'operation', 'res_model', 'res_id', 'field_name',
               'old_display', 'new_display', 'old_value', 'new_value', 'reason', 'origin',
               'entry_hash', 'user_roles', 'user_tz']


class MesAuditExport(models.TransientModel):
    """Extract of the audit trail for an inspector: by record, user and period."""
    _name = 'mes.audit.export'
    _description = 'Export Audit Trail'

    res_model = fields.Char(string='Model', help='Technical model name, e.g. mrp.bom')
    res_id = fields.Integer(string='Record ID')
    user_id = fields.Many2one('res.users')
    date_from = fields.Datetime(string='From (UTC)')
    date_to = fields.Datetime(string='To (UTC)')
    file_format = fields.Selection([('csv', 'CSV'), ('pdf', 'PDF')], string='Format',
                                   default='pdf', required=True)

    def _domain(self):
        domain = []
        if self.res_model:
            domain.append(('res_model', '=', self.res_model.strip()))
        if self.res_id:
            domain.append(('res_id', '=', self.res_id))
        if self.user_id:
            domain.append(('user_id', '=', self.user_id.id))
        if self.date_from:
            domain.append(('timestamp', '>=', self.date_from))
        if self.date_to:
            domain.append(('timestamp', '<=', self.date_to))
        return domain

    def _entries(self):
        entries = self.env['mes.audit.entry'].search(self._domain(), order='seq')
        if not entries:
            raise UserError(_('No audit trail entries match these criteria.'))
        return entries

    def action_export(self):
        self.ensure_one()
        entries = self._entries()
        if self.file_format == 'pdf':
            return self.env.ref('mes_part11.action_report_mes_audit_trail').report_action(
                entries)
        data = self._csv(entries)
        attachment = self.env['ir.attachment'].create({
            'name': 'audit-trail-%s.csv' % fields.Datetime.now().strftime('%Y%m%d-%H%M%S'),
            'raw': data,
            'mimetype': 'text/csv',
            'res_model': self._name,
            'res_id': self.id,
        })
        return {'type': 'ir.actions.act_url', 'target': 'download',
                'url': '/web/content/%s?download=true' % attachment.id}

    def _csv(self, entries):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([
            _('Entry'), _('Date (UTC)'), _('User'), _('Operation'), _('Model'), _('Record ID'),
            _('Field'), _('Old Value'), _('New Value'), _('Old Value (stored)'),
            _('New Value (stored)'), _('Reason'), _('Origin'), _('SHA-256'), _('Roles'),
            _('User Time Zone')])
        for entry in entries:
            writer.writerow(spreadsheet.csv_row([
                fields.Datetime.to_string(entry.timestamp) if key == 'timestamp'
                else ('' if entry[key] is False else entry[key])
                for key in CSV_COLUMNS]))
        return buffer.getvalue().encode('utf-8-sig')
