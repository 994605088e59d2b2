import base64
import json

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.addons.mes_part11.models.mes_audited import AuditReason
from odoo.addons.mes_part11.models.mes_signature import chain_text
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools.misc import clean_context

from ..lib import pdf_document
from ..lib import production_record as record_lib

# handed in the context by the record release only: a Python object no JSON-2 call can forge
RECORD_RELEASE = object()

RECORD_STATES = [
    ('review', 'To Review'),
    ('released', 'Released'),
    ('rejected', 'Rejected'),
    ('superseded', 'Superseded'),
]
_RECORD_FACTS = {'name', 'production_id', 'version', 'previous_id', 'state', 'content_json',
                 'content_hash', 'compiled_date', 'compiled_by_id', 'lot_ids', 'released_by_id',
                 'released_date', 'rejected_by_id', 'rejected_date', 'reject_reason'}
# the records whose signatures, corrections and audit entries belong to a production record
_RECORD_MODELS = ('mrp.production', 'mes.step.execution', 'mes.exception', 'mes.inspection',
                  'mes.nonconformance', 'mes.nonconformance.line')


def _utc(value):
    return fields.Datetime.to_string(value) if value else None


class MesProductionRecord(models.Model):
    """The device history record of one production order, compiled from what the database
    holds (master record, steps, materials, equipment, process data, inspections, exceptions,
    nonconformances, mass balance, signatures, audit entries) into one hashed, versioned
    document; reviewed by exception and released for distribution with a QA signature."""
    _name = 'mes.production.record'
    _description = 'Production Record (DHR)'
    _inherit = ['mail.thread', 'mail.activity.mixin', 'mes.audited', 'mes.signable']
    _order = 'id desc'
    _check_company_auto = True
    _mes_protected_fields = tuple(sorted(_RECORD_FACTS))
    _mes_audit_fields = ('name', 'production_id', 'version', 'state', 'content_hash',
                         'released_by_id', 'rejected_by_id', 'reject_reason')
    _mes_audit_no_delete = True
    _mes_signature_content = ('name', 'production_id', 'version', 'content_hash',
                              ('flag_ids', ('key', 'acknowledged', 'comment')))

    name = fields.Char(string='Reference', required=True, readonly=True, copy=False,
                       default=lambda self: _('New'))
    production_id = fields.Many2one('mrp.production', string='Manufacturing Order',
                                    required=True, readonly=True, index=True,
                                    ondelete='restrict', check_company=True)
    company_id = fields.Many2one(related='production_id.company_id', store=True, index=True)
    product_id = fields.Many2one(related='production_id.product_id', store=True)
    lot_ids = fields.Many2many('stock.lot', string='Lots / Serials', readonly=True)
    version = fields.Integer(readonly=True, default=1)
    previous_id = fields.Many2one('mes.production.record', string='Previous Version',
                                  readonly=True)
    state = fields.Selection(RECORD_STATES, required=True, default='review', readonly=True,
                             tracking=True, index=True)
    content_json = fields.Text(readonly=True, groups='base.group_system')
    content_hash = fields.Char(string='Content SHA-256', readonly=True)
    compiled_date = fields.Datetime(string='Compiled on (UTC)', readonly=True)
    compiled_by_id = fields.Many2one('res.users', string='Compiled by', readonly=True)
    flag_ids = fields.One2many('mes.production.record.flag', 'record_id', string='Flags')
    flag_count = fields.Integer(string='Flags Raised', compute='_compute_flag_counts', store=True)
    open_flag_count = fields.Integer(string='Open Flags', compute='_compute_flag_counts',
                                     store=True)
    released_by_id = fields.Many2one('res.users', readonly=True)
    released_date = fields.Datetime(readonly=True)
    rejected_by_id = fields.Many2one('res.users', readonly=True)
    rejected_date = fields.Datetime(readonly=True)
    reject_reason = fields.Text(readonly=True)
    age_days = fields.Integer(string='Age (days)', compute='_compute_age')
    summary_html = fields.Html(string='Record', compute='_compute_summary_html', sanitize=False)

    @api.depends('flag_ids.acknowledged')
    def _compute_flag_counts(self):
        for record in self:
            record.flag_count = len(record.flag_ids)
            record.open_flag_count = len(record.flag_ids.filtered(lambda f: not f.acknowledged))

    def _compute_age(self):
        now = fields.Datetime.now()
        for record in self:
            record.age_days = (now - record.compiled_date).days if record.compiled_date else 0

    # -- protection ----------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise UserError(_('A production record is compiled from its manufacturing order, '
                              'not written by hand.'))
        return super().create(vals_list)

    def write(self, vals):
        # everything on a record is a fact of its compilation or review (the stored counts
        # included): by hand, only its discussion and activities change
        if not self.env.su and any(not name.startswith(('message_', 'activity_'))
                                   for name in vals):
            raise UserError(_('A production record changes only by compiling, review, '
                              'release or rejection.'))
        before = {r.id: r.state for r in self} if 'state' in vals else {}
        result = super().write(vals)
        self.env['mes.event']._mes_emit_state_changes(self, before, 'state', {
            'released': 'production_record.released',
            'rejected': 'production_record.rejected'})
        return result

    def _mes_event_data(self, _old_state=None):
        self.ensure_one()
        record = self.sudo()
        by = record.released_by_id if record.state == 'released' else record.rejected_by_id
        return {
            'name': record.name,
            'production': {'id': record.production_id.id, 'name': record.production_id.name},
            'version': record.version, 'lots': record.lot_ids.mapped('name'),
            'content_sha256': record.content_hash or None, 'state': record.state,
            'by': {'id': by.id, 'name': by.name} if by else None,
        }

    def _mes_event_product(self):
        return self.production_id.product_id

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(_('A production record is part of the device history: it cannot be '
                          'deleted.'))

    # -- content -------------------------------------------------------------------------
    def _mes_record_content(self):
        self.ensure_one()
        return json.loads(self.sudo().content_json or '{}')

    @api.model
    def _mes_compile_content(self, production):
        """Everything the device history record holds, as plain data (UTC times)."""
        production = production.sudo()
        steps = production.mes_step_execution_ids.sorted(
            lambda s: (s.workorder_id.sequence, s.workorder_id.id, s.sequence, s.id))
        exceptions = production.mes_exception_ids.sorted('id')
        lots = production.lot_producing_ids
        inspections = self.env['mes.inspection'].sudo().search(
            ['|', ('production_id', '=', production.id), ('lot_id', 'in', lots.ids)],
            order='id')
        exceptions |= self.env['mes.exception'].sudo().search(
            [('lot_id', 'in', lots.ids), ('id', 'not in', exceptions.ids)], order='id')
        nc_lines = self.env['mes.nonconformance.line'].sudo().search(
            [('lot_id', 'in', lots.ids)])
        ncs = (nc_lines.nonconformance_id | self.env['mes.nonconformance'].sudo().search(
            [('exception_id', 'in', exceptions.ids)])).sorted('id')
        audit = self.env['mes.audit.entry'].sudo()
        recorded = {}
        for entry in audit.search_read(
                [('res_model', '=', 'mes.step.execution'), ('res_id', 'in', steps.ids),
                 ('field_name', '=', 'date_done')], ['res_id', 'timestamp'], order='seq'):
            recorded[entry['res_id']] = entry['timestamp']
        step_rows = [{
            'id': step.id, 'workorder': step.workorder_id.name,
            'operation': step.workorder_id.operation_id.name or step.workorder_id.name,
            'sequence': step.sequence, 'name': step.name, 'type': step.step_type,
            'spec': step.specification or None, 'value': step.value_entered or None,
            'result': step.result or None, 'out_of_limit': step.out_of_limit,
            'state': step.state, 'operator': step.operator_id.name or None,
            'date_done': _utc(step.date_done), 'recorded_at': _utc(recorded.get(step.id)),
            'equipment': step.equipment_code or None, 'lot': step.lot_id.name or None,
            'signed_by': step.signed_name or None,
            # only an overridden step says so: the content of every other record is unchanged
            **({'overridden': True} if step.overridden else {}),
            # the instruction document the step was released with, on steps that carry one
            **({'document': {'name': step.instruction_pdf_name or None,
                             'sha256': step.instruction_pdf_sha256}}
               if step.instruction_pdf_sha256 else {}),
        } for step in steps]
        return {
            'schema': 1,
            'header': self._mes_compile_header(production),
            'master_record': self._mes_compile_master(production),
            'steps': step_rows,
            'materials': self._mes_compile_materials(production),
            'equipment': self._mes_record_equipment(production, steps),
            'process_data': self._mes_record_process_data(production),
            'inspections': [{
                'name': i.name, 'type': i.inspection_type, 'lot': i.lot_id.name or None,
                'state': i.state, 'decision': i.decision or None,
                'decided_by': i.decided_by_id.name or None, 'date': _utc(i.decided_date),
            } for i in inspections],
            'exceptions': [{
                'name': e.name, 'kind': e.kind, 'severity': e.severity, 'state': e.state,
                'description': e.description, 'step_id': e.step_execution_id.id or None,
                'lot': e.lot_id.name or None, 'date': _utc(e.date),
                'disposition': e.disposition or None, 'note': e.disposition_note or None,
                'dispositioned_by': e.dispositioned_by_id.name or None,
            } for e in exceptions],
            'nonconformances': [{
                'name': nc.name, 'title': nc.title, 'state': nc.state,
                'lines': [{'lot': line.lot_id.name or None,
                           'product': line.product_id.display_name,
                           'quantity': line.quantity, 'disposition': line.disposition or None,
                           'justification': line.justification or None,
                           'state': line.disposition_state} for line in nc.line_ids],
            } for nc in ncs],
            'mass_balance': self._mes_compile_mass_balance(production),
            **self._mes_compile_trail(production, steps, exceptions, inspections, ncs,
                                      nc_lines),
        }

    @api.model
    def _mes_compile_header(self, production):
        product = production.product_id
        finished = production.move_finished_ids.filtered(
            lambda m: m.product_id == product and m.state == 'done')
        return {
            'production': production.name, 'product': product.display_name,
            'part_number': product.default_code or None,
            'udi_di': product.product_tmpl_id._mes_udi_di() or None,
            'master_record': production.bom_id.display_name or None,
            'master_version': production.mes_bom_version or None,
            'lots': production.lot_producing_ids.mapped('name'),
            'quantity': sum(finished.mapped('quantity')) or production.qty_producing,
            'uom': production.product_uom_id.name,
            'date_start': _utc(production.date_start), 'date_finished': _utc(
                production.date_finished), 'state': production.state,
            'company': production.company_id.name,
        }

    @api.model
    def _mes_compile_master(self, production):
        bom = production.bom_id
        if not bom:
            return {}
        signatures = self.env['mes.signature'].sudo().search(
            [('res_model', '=', 'mrp.bom'), ('res_id', '=', bom.id)], order='signed_at, id')
        return {'name': bom.display_name, 'version': bom.mes_version,
                'approval_state': bom.mes_approval_state,
                'signatures': [self._mes_signature_row(s) for s in signatures]}

    @api.model
    def _mes_signature_row(self, signature):
        return {'record': signature.res_name, 'meaning': signature.meaning_name or
                signature.meaning_id.name, 'signer': signature.signer_name,
                'signed_at': _utc(signature.signed_at), 'reason': signature.reason or None,
                'state': signature.state, 'chain_seq': signature.chain_seq or None,
                'chain_hash': signature.chain_hash or None}

    @api.model
    def _mes_compile_materials(self, production):
        """Materials consumed with the lot's release state at the moment of use (read back
        from the audit trail of the lot's status)."""
        lines = production.move_raw_ids.filtered(lambda m: m.state == 'done').move_line_ids
        lines = lines.filtered(lambda ml: ml.quantity).sorted(lambda ml: (ml.date, ml.id))
        lots = lines.lot_id
        history = {}
        for entry in self.env['mes.audit.entry'].sudo().search_read(
                [('res_model', '=', 'stock.lot'), ('res_id', 'in', lots.ids),
                 ('field_name', '=', 'mes_release_state')],
                ['res_id', 'timestamp', 'old_value', 'new_value'], order='seq'):
            history.setdefault(entry['res_id'], []).append(entry)

        def state_at(lot, when):
            entries = history.get(lot.id, [])
            before = [e for e in entries if e['timestamp'] <= when]
            if before:
                return before[-1]['new_value']
            after = [e for e in entries if e['timestamp'] > when]
            return after[0]['old_value'] if after else lot.mes_release_state
        return [{
            'product': line.product_id.display_name, 'lot': line.lot_id.name or None,
            'quantity': line.quantity, 'uom': line.product_uom_id.name,
            'date': _utc(line.date),
            'state_at_use': state_at(line.lot_id, line.date) if line.lot_id else None,
            'state_now': line.lot_id.mes_release_state or None,
        } for line in lines]

    @api.model
    def _mes_compile_mass_balance(self, production):
        if production.state != 'done':
            return {}
        balance = production.mes_mass_balance()
        return {
            'produced': balance['produced'], 'planned': balance['planned'],
            'yield_pct': balance['yield_pct'], 'tolerance_pct': balance['tolerance_pct'],
            'components': [{k: c[k] for k in ('product', 'uom', 'expected', 'consumed',
                                               'scrapped', 'deviation_pct', 'out_of_tolerance')}
                           for c in balance['components']],
        }

    @api.model
    def _mes_compile_trail(self, production, steps, exceptions, inspections, ncs, nc_lines):
        """Signatures, corrections (unlocks) and the audit entries of every record."""
        ids = {'mrp.production': production.ids, 'mes.step.execution': steps.ids,
               'mes.exception': exceptions.ids, 'mes.inspection': inspections.ids,
               'mes.nonconformance': ncs.ids, 'mes.nonconformance.line': nc_lines.ids,
               'stock.lot': production.lot_producing_ids.ids}
        parts = [[('res_model', '=', model), ('res_id', 'in', record_ids)]
                 for model, record_ids in ids.items() if record_ids]
        domain = Domain.OR(parts)
        signatures = self.env['mes.signature'].sudo().search(domain, order='signed_at, id')
        entries = self.env['mes.audit.entry'].sudo().search_read(
            domain, ['seq', 'timestamp', 'user_name', 'operation', 'res_model', 'res_id',
                     'field_name', 'old_display', 'new_display', 'reason'], order='seq')
        audit_rows = [{
            'seq': e['seq'], 'timestamp': _utc(e['timestamp']), 'user': e['user_name'],
            'operation': e['operation'], 'record': '%s,%s' % (e['res_model'], e['res_id']),
            'field': e['field_name'] or None, 'old': e['old_display'] or None,
            'new': e['new_display'] or None, 'reason': e['reason'] or None,
        } for e in entries]
        return {
            'signatures': [self._mes_signature_row(s) for s in signatures],
            'corrections': [row for row in audit_rows if row['operation'] == 'unlock'],
            'audit': audit_rows,
        }

    # hooks filled by mes_quality_equipment (equipment status, process data)
    @api.model
    def _mes_record_equipment(self, production, steps):
        return [{'code': step.equipment_code, 'step': step.name, 'date': _utc(step.date_done)}
                for step in steps if step.step_type == 'equipment' and step.equipment_code]

    @api.model
    def _mes_record_process_data(self, production):
        return []

    # -- compiling and versions ---------------------------------------------------------
    @api.model
    def _mes_compile(self, production):
        """The current record of ``production``: the latest version when nothing changed,
        else a new version (the previous one is kept, superseded)."""
        production.ensure_one()
        # nothing of the caller's context (default_* keys, language) shapes the record; the
        # flags are worded in the caller's language
        Flag = self.env['mes.production.record.flag'].with_context(
            clean_context(self.env.context))
        self = self.with_context(clean_context(self.env.context), lang='en_US')
        production = production.with_env(self.env)
        content = self._mes_compile_content(production)
        digest = record_lib.content_hash(content)
        latest = self.sudo().search([('production_id', '=', production.id),
                                     ('state', '!=', 'superseded')], limit=1)
        if latest and latest.content_hash == digest:
            return latest.sudo(False)
        if latest.state in ('released', 'rejected'):
            raise UserError(_('%(record)s is %(state)s: it is not compiled again. Record what '
                              'changed in a nonconformance.', record=latest.name,
                              state=dict(self._fields['state']._description_selection(
                                  self.env))[latest.state]))
        flags = record_lib.review_flags(
            content, production.company_id.mes_late_entry_hours or 12.0)
        acknowledged = {f.key: f for f in latest.flag_ids if f.acknowledged} if latest else {}
        record = self.sudo().create({
            'name': latest.name if latest else self.env['ir.sequence'].sudo().next_by_code(
                'mes.production.record') or '/',
            'production_id': production.id,
            'lot_ids': [(6, 0, production.lot_producing_ids.ids)],
            'version': latest.version + 1 if latest else 1,
            'previous_id': latest.id or False,
            'content_json': record_lib.canonical_json(content),
            'content_hash': digest,
            'compiled_date': fields.Datetime.now(),
            'compiled_by_id': self.env.uid,
            'flag_ids': [(0, 0, Flag._mes_flag_vals(flag, acknowledged.get(flag['key'])))
                         for flag in flags],
        })
        if latest:
            latest.sudo().with_context(mes_audit_reason=AuditReason(
                _('Superseded by version %(version)s', version=record.version))).write(
                {'state': 'superseded'})
        return record.sudo(False)

    def action_recompile(self):
        self.ensure_one()
        self._mes_check_quality()
        record = self._mes_compile(self.production_id)
        return record._mes_open()

    def _mes_open(self):
        return {'type': 'ir.actions.act_window', 'res_model': self._name, 'res_id': self.id,
                'view_mode': 'form', 'views': [(False, 'form')]}

    def _mes_check_quality(self):
        if not self.env.user.has_group('mes_bridge.group_mes_quality_inspector'):
            raise AccessError(_('Production records are compiled and reviewed by quality.'))

    # -- release -------------------------------------------------------------------------
    def _mes_release_problems(self):
        """Why this record cannot be released yet (translated sentences)."""
        self.ensure_one()
        problems = []
        if self.state != 'review':
            problems.append(_('it is not waiting for review'))
            return problems
        open_flags = self.flag_ids.filtered(lambda f: not f.acknowledged)
        if open_flags:
            problems.append(_('%(count)s flag(s) are not acknowledged', count=len(open_flags)))
        # a hold or a rejection (recall, scrap, another record) is not lifted by a release
        held = self.lot_ids.filtered(lambda lot: lot.mes_release_state in ('on_hold',
                                                                           'rejected'))
        if held:
            problems.append(_('lot(s) %(lots)s are on hold or rejected',
                              lots=', '.join(held.mapped('name'))))
        production = self.production_id.sudo()
        if production.state != 'done':
            problems.append(_('%(mo)s is not done', mo=production.name))
        blocking = production.mes_exception_ids.filtered('blocking')
        if blocking:
            problems.append(_('blocking exception(s) %(names)s are open',
                              names=', '.join(blocking.mapped('name'))))
        lots = self.lot_ids
        open_ncs = self.env['mes.nonconformance'].sudo().search([
            ('line_ids.lot_id', 'in', lots.ids), ('state', 'in', ('open', 'disposition'))])
        if open_ncs:
            problems.append(_('nonconformance(s) %(names)s on the lot are open',
                              names=', '.join(open_ncs.mapped('name'))))
        pending = self.env['mes.inspection'].sudo().search([
            '|', ('lot_id', 'in', lots.ids), ('production_id', '=', production.id),
            ('state', '=', 'pending')])
        if pending:
            problems.append(_('inspection(s) %(names)s are not decided',
                              names=', '.join(pending.mapped('name'))))
        if record_lib.content_hash(self._mes_compile_content(production)) != self.content_hash:
            problems.append(_('the order changed since the record was compiled (compile it '
                              'again)'))
        return problems

    def _mes_check_can_sign(self, meaning):
        self.ensure_one()
        line = super()._mes_check_can_sign(meaning)
        problems = self._mes_release_problems()
        if problems:
            raise UserError(_('%(record)s cannot be released: %(problems)s.',
                              record=self.display_name, problems='; '.join(problems)))
        return line

    def _mes_on_signature_complete(self):
        for record in self.sudo():
            record.write({'state': 'released', 'released_by_id': self.env.uid,
                          'released_date': fields.Datetime.now()})
            record._mes_set_lots_state('released', _('Released for distribution with %(record)s',
                                                      record=record.display_name))
            # the trail, release included, is anchored outside the database once this commits
            self.env['mes.audit.checkpoint'].sudo()._mes_request('qa_release',
                                                                 record.display_name)
        return super()._mes_on_signature_complete()

    def _mes_set_lots_state(self, state, reason):
        """The lots follow their records: released once every current record of each lot is
        released (a lot may be made by several orders), rejected by any rejection."""
        for lot in self.lot_ids:
            if state == 'released':
                records = self.sudo().search([('lot_ids', 'in', lot.ids),
                                              ('state', '!=', 'superseded')])
                if records.filtered(lambda r: r.state != 'released'):
                    continue
            if state == 'released' and lot.mes_release_state != 'quarantine':
                continue  # released already, or held / rejected since: not lifted here
            if lot.mes_release_state != state:
                lot.sudo().with_context(mes_audit_reason=AuditReason(reason),
                                        mes_record_release=RECORD_RELEASE).write(
                    {'mes_release_state': state})

    def _mes_performers(self):
        """Whoever made the order (operators and signers of its steps) does not release it."""
        steps = self.production_id.sudo().mes_step_execution_ids
        return steps.operator_id | steps.signed_by_id

    def mes_release(self, login, password, reason=None):
        """Release for distribution (JSON-2): the QA signature, re-authenticated.

        :returns: dict ``{'signed', 'message', ...}`` as ``mes_sign``"""
        return self.mes_sign('released_distribution', login, password, reason)

    def mes_reject(self, reason):
        """QA rejects the record: the lots are rejected (audited with the reason)."""
        self.ensure_one()
        self.check_access('write')
        if not self.env.user.has_group('mes_bridge.group_mes_quality_manager'):
            raise AccessError(_('Only a QA manager rejects a production record.'))
        if not (reason or '').strip():
            raise UserError(_('State why the record is rejected.'))
        if self.state != 'review':
            raise UserError(_('%(record)s is not waiting for review.', record=self.display_name))
        reason = reason.strip()
        self.sudo().with_context(mes_audit_reason=AuditReason(reason)).write({
            'state': 'rejected', 'rejected_by_id': self.env.uid,
            'rejected_date': fields.Datetime.now(), 'reject_reason': reason})
        self._mes_set_lots_state('rejected', _('Rejected with %(record)s: %(reason)s',
                                               record=self.display_name, reason=reason))
        return True

    def action_release(self):
        self.ensure_one()
        problems = self._mes_release_problems()
        if problems:
            raise UserError(_('%(record)s cannot be released: %(problems)s.',
                              record=self.display_name, problems='; '.join(problems)))
        return self.action_mes_sign()

    def mes_unlock_for_correction(self, reason, login, password):
        # the lots went out under this release: a correction is a nonconformance on the lot
        raise UserError(_('A released production record is not unlocked: open a '
                          'nonconformance on its lot to correct what was released.'))

    def action_certificate(self):
        """Issue the certificate of conformance of the released lots and show it."""
        self.ensure_one()
        Certificate = self.env['mes.certificate']
        Certificate._mes_check_quality()
        if self.state != 'released':
            raise UserError(_('A certificate is issued once the record is released.'))
        certificate = Certificate._mes_issue({lot: lot._mes_on_hand() for lot in self.lot_ids})
        return {'type': 'ir.actions.act_window', 'res_model': 'mes.certificate',
                'res_id': certificate.id, 'view_mode': 'form', 'views': [(False, 'form')]}

    def action_reject_wizard(self):
        return self.env['mes.quality.note']._mes_open(self, 'record_reject',
                                                      _('Reject Production Record'))

    @api.depends('name', 'version', 'production_id.name')
    def _compute_display_name(self):
        for record in self:
            record.display_name = '%s v%s (%s)' % (record.name, record.version,
                                                   record.production_id.name or '')

    # -- the record as shown on the form ------------------------------------------------
    @api.depends('content_hash', 'flag_ids.acknowledged')
    def _compute_summary_html(self):
        for record in self:
            record.summary_html = record._mes_summary_html() if record.content_hash else False

    def _mes_summary_html(self):
        """Sections with their counts: flagged items are listed on the Flags tab; everything
        else is 'as expected' and collapsed."""
        content = self._mes_record_content()
        flagged = {}
        for flag in self.flag_ids:
            flagged[flag.kind] = flagged.get(flag.kind, 0) + 1
        header = content.get('header', {})
        rows = [
            (self.env._('Steps'), len(content.get('steps', [])), flagged.get('out_of_limit', 0)
             + flagged.get('late_entry', 0) + flagged.get('backdated_entry', 0)),
            (self.env._('Materials'), len(content.get('materials', [])),
             flagged.get('unreleased_material', 0)),
            (self.env._('Equipment'), len(content.get('equipment', [])), flagged.get('equipment_status', 0)),
            (self.env._('Process parameters'), len(content.get('process_data', [])),
             flagged.get('process_gap', 0) + flagged.get('process_excursion', 0)),
            (self.env._('Inspections'), len(content.get('inspections', [])), flagged.get('inspection', 0)),
            (self.env._('Exceptions'), len(content.get('exceptions', [])), flagged.get('deviation', 0)
             + flagged.get('spc_signal', 0) + flagged.get('manual_override', 0)),
            (self.env._('Nonconformances'), len(content.get('nonconformances', [])),
             flagged.get('concession', 0)),
            (self.env._('Signatures'), len(content.get('signatures', [])), 0),
            (self.env._('Corrections after signature'), len(content.get('corrections', [])),
             flagged.get('correction', 0)),
            (self.env._('Audit entries'), len(content.get('audit', [])), 0),
        ]
        body = Markup('').join(
            Markup('<tr><td>%s</td><td class="text-end">%s</td><td>%s</td></tr>') % (
                label, count, Markup('<span class="badge text-bg-danger">%s</span>') % (
                    self.env._('%(count)s flagged', count=flags)) if flags else Markup(
                    '<span class="text-muted">%s</span>') % self.env._('as expected'))
            for label, count, flags in rows)
        return Markup(
            '<p><b>%s</b> %s &#183; <b>%s</b> %s &#183; <b>%s</b> %s</p>'
            '<table class="table table-sm o_mes_record_summary"><thead><tr><th>%s</th>'
            '<th class="text-end">%s</th><th>%s</th></tr></thead><tbody>%s</tbody></table>') % (
            self.env._('Master record'), header.get('master_record') or '-', self.env._('Version'),
            header.get('master_version') or '-', self.env._('Lots'), ', '.join(header.get('lots', []))
            or '-', self.env._('Section'), self.env._('Items'), self.env._('Review'), body)

    # -- the PDF ---------------------------------------------------------------------------
    def _mes_pdf_labels(self):
        return {'page': _('Page {page} of {pages}'), 'hash': _('Content hash'),
                'signatures': _('Signatures'), 'none': _('None'), 'meaning': _('Meaning'),
                'signer': _('Signed by'), 'date': _('Date and time (UTC)'),
                'reason': _('Reason'), 'qr': _('Content hash'),
                'chain': _('Audit trail head')}

    def _mes_pdf_document(self):
        """The record as the plain document ``lib.pdf_document`` renders: every section, the
        flagged items highlighted, the rest counted as expected."""
        self.ensure_one()
        content = self._mes_record_content()
        header = content.get('header', {})
        flags_by_key = {}
        for flag in self.flag_ids:
            flags_by_key.setdefault(flag.key.split(':', 1)[1], flag)

        def summary(total, flagged):
            return self.env._('%(total)s item(s): %(flagged)s flagged, the rest as expected',
                     total=total, flagged=flagged)

        def section(title, columns, rows, flagged=(), widths=None, note=None):
            return {'title': title, 'summary': note if note is not None else summary(
                len(rows), len(flagged)), 'table': {
                'columns': columns, 'rows': rows, 'widths': widths,
                'flagged_rows': sorted(flagged)}}

        steps = content.get('steps', [])
        flagged_steps = {i for i, s in enumerate(steps)
                         if s['out_of_limit'] or str(s['id']) in flags_by_key}
        materials = content.get('materials', [])
        flagged_materials = {i for i, m in enumerate(materials) if m.get('lot') and m.get(
            'state_at_use') not in (None, 'released')}
        exceptions = content.get('exceptions', [])
        balance = content.get('mass_balance') or {}
        audit_rows = self._mes_audit_rows(content.get('audit', []))
        sections = [
            {'title': self.env._('Master record'), 'key_values': [
                (self.env._('Master record'), content.get('master_record', {}).get('name') or '-'),
                (self.env._('Version'), content.get('master_record', {}).get('version') or '-'),
                (self.env._('Approval'), content.get('master_record', {}).get('approval_state') or '-')],
             'table': {'columns': [self.env._('Meaning'), self.env._('Signed by'), self.env._('Date and time (UTC)'),
                                   self.env._('Reason')],
                       'rows': [[s['meaning'], s['signer'], s['signed_at'], s['reason']]
                                for s in content.get('master_record', {}).get('signatures', [])]}},
            section(self.env._('Review by exception'), [self.env._('Flag'), self.env._('What'), self.env._('Acknowledged'),
                                               self.env._('Comment')],
                    [[dict(self.flag_ids._fields['kind']._description_selection(self.env))[
                        f.kind], f.description, f.acknowledged_by_id.name or self.env._('No'),
                      f.comment] for f in self.flag_ids],
                    flagged=[i for i, f in enumerate(self.flag_ids) if not f.acknowledged],
                    widths=[2, 6, 2, 4], note=self.env._('%(count)s flag(s), %(open)s open',
                                                count=len(self.flag_ids),
                                                open=self.open_flag_count)),
            section(self.env._('Steps'), [self.env._('Operation'), self.env._('Step'), self.env._('Limits'), self.env._('Value'),
                                 self.env._('Result'), self.env._('Operator'), self.env._('Done (UTC)'),
                                 self.env._('Equipment / lot')],
                    [[s['operation'], self.env._(
                        '%(step)s (document %(name)s, SHA-256 %(digest)s)', step=s['name'],
                        name=s['document']['name'] or '-', digest=s['document']['sha256'][:16])
                      if s.get('document') else s['name'], s['spec'], s['value'],
                      self.env._('%(result)s (override)', result=s['result'])
                      if s.get('overridden') else s['result'],
                      s['operator'], s['date_done'], s['equipment'] or s['lot']]
                     for s in steps], flagged_steps | {
                         i for i, s in enumerate(steps) if s.get('overridden')}, widths=[2, 3, 2, 1.2, 1, 2, 2.2, 2]),
            section(self.env._('Materials'), [self.env._('Material'), self.env._('Lot'), self.env._('Quantity'), self.env._('Used on (UTC)'),
                                     self.env._('Status at use')],
                    [[m['product'], m['lot'], '%s %s' % (m['quantity'], m['uom']), m['date'],
                      m['state_at_use']] for m in materials], flagged_materials),
            section(self.env._('Equipment'), [self.env._('Equipment'), self.env._('Step'), self.env._('Used on (UTC)'),
                                     self.env._('Status')],
                    [[e.get('code'), e.get('step'), e.get('date'), e.get('problem') or (
                        self.env._('usable') if e.get('usable') else '')] for e in content.get(
                        'equipment', [])],
                    [i for i, e in enumerate(content.get('equipment', []))
                     if e.get('usable') is False]),
            section(self.env._('Process data'), [self.env._('Parameter'), self.env._('Min'), self.env._('Max'), self.env._('Mean'),
                                        self.env._('Values'), self.env._('Excursions'), self.env._('Gaps')],
                    [[p.get('parameter'), p.get('min'), p.get('max'), p.get('mean'),
                      p.get('count'), p.get('excursions'), p.get('gaps')]
                     for p in content.get('process_data', [])],
                    [i for i, p in enumerate(content.get('process_data', []))
                     if p.get('excursions') or p.get('gaps')]),
            section(self.env._('Inspections'), [self.env._('Inspection'), self.env._('Type'), self.env._('Lot'), self.env._('Decision'),
                                       self.env._('Decided by'), self.env._('Date (UTC)')],
                    [[i['name'], i['type'], i['lot'], i['decision'] or i['state'],
                      i['decided_by'], i['date']] for i in content.get('inspections', [])],
                    [n for n, i in enumerate(content.get('inspections', []))
                     if i.get('decision') == 'reject']),
            section(self.env._('Exceptions and deviations'), [self.env._('Exception'), self.env._('Severity'),
                                                     self.env._('Description'), self.env._('Disposition'),
                                                     self.env._('Justification'), self.env._('By')],
                    [[e['name'], e['severity'], e['description'], e['disposition'] or e['state'],
                      e['note'], e['dispositioned_by']] for e in exceptions],
                    list(range(len(exceptions))), widths=[2, 1.3, 5, 1.6, 4, 2]),
            section(self.env._('Nonconformances'), [self.env._('Nonconformance'), self.env._('Lot'), self.env._('Disposition'),
                                           self.env._('Justification'), self.env._('Status')],
                    [[nc['name'], line['lot'], line['disposition'], line['justification'],
                      line['state']] for nc in content.get('nonconformances', [])
                     for line in nc['lines']]),
            section(self.env._('Mass balance'), [self.env._('Component'), self.env._('Expected'), self.env._('Consumed'),
                                        self.env._('Scrapped'), self.env._('Deviation %')],
                    [[c['product'], c['expected'], c['consumed'], c['scrapped'],
                      '%.2f' % (c['deviation_pct'] or 0.0)] for c in balance.get(
                        'components', [])],
                    [i for i, c in enumerate(balance.get('components', []))
                     if c.get('out_of_tolerance')]),
            section(self.env._('Signatures'), [self.env._('Record'), self.env._('Meaning'), self.env._('Signed by'),
                                      self.env._('Date and time (UTC)'), self.env._('Reason'),
                                      self.env._('Audit trail head when signed')],
                    [[s['record'], s['meaning'], s['signer'], s['signed_at'], s['reason'],
                      '#%s %s' % (s['chain_seq'], chain_text(s['chain_hash']))
                      if s.get('chain_hash') else '-']
                     for s in content.get('signatures', [])]),
            section(self.env._('Audit trail'), [
                self.env._('Entries'), self.env._('Date (UTC)'), self.env._('User'),
                self.env._('Operation'), self.env._('Record'), self.env._('Changes'),
                self.env._('Reason')], audit_rows, [
                    i for i, row in enumerate(audit_rows) if row[3] == 'unlock'],
                widths=[1.3, 2.2, 2, 1.2, 2.6, 5.5, 2.5], note=self.env._(
                    '%(entries)s audit entries in %(changes)s changes (one line per change; '
                    'every entry is in the record and in the audit trail report)',
                    entries=len(content.get('audit', [])), changes=len(audit_rows))),
        ]
        signatures = [{'meaning': s.meaning_name or s.meaning_id.name,
                       'signer': '%s (%s)' % (s.signer_name, s.signer_role)
                       if s.signer_role else s.signer_name,
                       'date': fields.Datetime.to_string(s.signed_at), 'reason': s.reason or '',
                       'chain': s._mes_chain_text()}
                      for s in self.mes_signature_ids.filtered(lambda s: s.state == 'valid')]
        return {
            'title': self.env._('Device History Record'),
            'running_header': '%s - %s %s' % (header.get('product') or '', self.env._('Lot'),
                                              ', '.join(header.get('lots', [])) or '-'),
            'document_number': '%s v%s' % (self.name, self.version),
            'meta': [(self.env._('Manufacturing order'), header.get('production')),
                     (self.env._('Product'), header.get('product')),
                     (self.env._('Part number'), header.get('part_number') or '-'),
                     (self.env._('UDI-DI'), header.get('udi_di') or '-'),
                     (self.env._('Master record'), '%s (v%s)' % (header.get('master_record') or '-',
                                                        header.get('master_version') or '-')),
                     (self.env._('Lots / serials'), ', '.join(header.get('lots', [])) or '-'),
                     (self.env._('Quantity made'), '%s %s' % (header.get('quantity'),
                                                     header.get('uom') or '')),
                     (self.env._('Started (UTC)'), header.get('date_start') or '-'),
                     (self.env._('Finished (UTC)'), header.get('date_finished') or '-'),
                     (self.env._('Record status'), dict(self._fields['state']._description_selection(
                         self.env))[self.state])],
            'sections': sections,
            'signatures': signatures,
            'content_hash': self.content_hash,
            'qr_data': self.content_hash,
            'labels': self._mes_pdf_labels(),
            'orientation': 'landscape',
        }

    @api.model
    def _mes_audit_rows(self, entries, width=110):
        """One printed line per change: the entries written together (same record, time, user,
        operation and reason) with their fields and new values, cut to a line or two."""
        rows = []
        for entry in entries:
            key = (entry['record'], entry['timestamp'], entry['user'], entry['operation'],
                   entry['reason'])
            if rows and rows[-1][0] == key:
                rows[-1][1].append(entry)
            else:
                rows.append((key, [entry]))
        lines = []
        for (record, timestamp, user, operation, reason), group in rows:
            if operation == 'create':
                changes = self.env._('created (%(count)s values)', count=len(group))
            else:
                changes = '; '.join('%s: %s' % (e['field'] or '-', e['new'] if e['new'] is not None
                                                else '-') for e in group)
                if len(changes) > width:
                    changes = changes[:width - 1] + '\u2026'
            seqs = group[0]['seq'] if len(group) == 1 else '%s-%s' % (group[0]['seq'],
                                                                      group[-1]['seq'])
            lines.append([seqs, timestamp, user, operation, record, changes, reason])
        return lines

    def mes_render_pdf(self):
        """The record as a PDF (reportlab: renders on any host), base64 for JSON-2."""
        return base64.b64encode(self._mes_render_pdf_bytes()).decode()

    def _mes_render_pdf_bytes(self):
        self.ensure_one()
        self.check_access('read')
        return pdf_document.render_document(self._mes_pdf_document())

    def action_print_record(self):
        self.ensure_one()
        data = self._mes_render_pdf_bytes()
        attachment = self.env['ir.attachment'].sudo().create({
            'name': '%s v%s.pdf' % (self.name.replace('/', '-'), self.version),
            'raw': data, 'mimetype': 'application/pdf',
            'res_model': self._name, 'res_id': self.id})
        return {'type': 'ir.actions.act_url', 'target': 'download',
                'url': '/web/content/%s?download=true' % attachment.id}
