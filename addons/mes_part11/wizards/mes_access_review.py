import csv
import io
import json

from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from ..lib import spreadsheet


class MesAccessReview(models.TransientModel):
    """The periodic access review (Annex 11 section 12, its 2025 draft section 11): who holds
    which application right, since when and granted by whom, read from the audit trail of the
    users and the groups."""
    _name = 'mes.access.review'
    _description = 'Access Review'

    review_date = fields.Datetime(string='Reviewed on (UTC)', default=fields.Datetime.now,
                                  readonly=True)
    line_ids = fields.One2many('mes.access.review.line', 'review_id', string='Rights',
                               readonly=True)

    @api.model
    def _mes_check_reviewer(self):
        if not (self.env.su or self.env.user.has_group('mes_part11.group_part11_reviewer')):
            raise AccessError(_('The access review is for audit trail reviewers.'))

    @api.model_create_multi
    def create(self, vals_list):
        self._mes_check_reviewer()
        reviews = super().create(vals_list)
        for review in reviews:
            review.sudo()._mes_fill()
        return reviews

    def _mes_fill(self):
        """One line per active internal user and application role (a group of an
        application's privilege) they hold directly."""
        self.ensure_one()
        users = self.env['res.users'].with_context(active_test=True).search(
            [('share', '=', False)], order='login')
        grants = self._mes_grants()
        lines = []
        for user in users:
            for group in user.group_ids.filtered('privilege_id').sorted('full_name'):
                since, by, how = grants.get((user.id, group.id), (None, None, None))
                lines.append({
                    'review_id': self.id, 'user_id': user.id, 'login': user.login,
                    'group_id': group.id, 'role': group.with_context(lang='en_US').full_name,
                    'since': since or user.create_date, 'granted_by': by,
                    'source': how or 'before_trail',
                })
        self.env['mes.access.review.line'].create(lines)

    @api.model
    def _mes_grants(self):
        """``{(user id, group id): (since, granted by, how)}``: the last time the trail shows
        the right given (on the user, or on the group)."""
        grants = {}
        Entry = self.env['mes.audit.entry'].sudo()
        for entry in Entry.search_read(
                [('res_model', '=', 'res.users'), ('field_name', '=', 'group_ids')],
                ['res_id', 'old_value', 'new_value', 'timestamp', 'user_name', 'operation'],
                order='seq'):
            for gid in _ids(entry['new_value']) - _ids(entry['old_value']):
                grants[(entry['res_id'], gid)] = (entry['timestamp'], entry['user_name'],
                                                  'user_created' if entry['operation'] ==
                                                  'create' else 'user_changed')
        for entry in Entry.search_read(
                [('res_model', '=', 'res.groups'), ('field_name', '=', 'user_ids')],
                ['res_id', 'old_value', 'new_value', 'timestamp', 'user_name'], order='seq'):
            for uid in _ids(entry['new_value']) - _ids(entry['old_value']):
                known = grants.get((uid, entry['res_id']))
                if not known or known[0] <= entry['timestamp']:
                    grants[(uid, entry['res_id'])] = (entry['timestamp'], entry['user_name'],
                                                      'group_changed')
        return grants

    def action_export_csv(self):
        self.ensure_one()
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([_('User'), _('Login'), _('Role'), _('Since (UTC)'), _('Granted by'),
                         _('Recorded as')])
        labels = dict(self.env['mes.access.review.line']._fields['source']._description_selection(
            self.env))
        for line in self.line_ids:
            writer.writerow(spreadsheet.csv_row([
                line.user_id.name, line.login, line.role, fields.Datetime.to_string(line.since),
                line.granted_by or '', labels.get(line.source, line.source)]))
        attachment = self.env['ir.attachment'].create({
            'name': 'access-review-%s.csv' % fields.Date.to_string(self.review_date),
            'raw': buffer.getvalue().encode('utf-8-sig'), 'mimetype': 'text/csv',
            'res_model': self._name, 'res_id': self.id})
        return {'type': 'ir.actions.act_url', 'target': 'download',
                'url': '/web/content/%s?download=true' % attachment.id}

    @api.model
    def _cron_remind(self):
        """The periodic reminder: the Electronic Records Administrators get an activity."""
        self.env['mes.audit.entry']._mes_alert_managers(
            _('Periodic access review due'),
            _('Review who holds which rights (Electronic Records > Access Review), remove what '
              'is no longer needed and file the review.'))


def _ids(value):
    try:
        return set(json.loads(value)) if value else set()
    except ValueError:
        return set()
