from psycopg2.extras import execute_values

from odoo import _, api, fields, models
from odoo.addons.mes_part11.models.mes_audited import AuditReason
from odoo.exceptions import AccessError, UserError, ValidationError

NC_SOURCES = [
    ('manual', 'Manual'),
    ('inspection', 'Rejected inspection'),
    ('exception', 'Escalated exception'),
    ('complaint', 'Customer complaint'),
    ('supplier', 'Supplier problem'),
]
NC_STATES = [
    ('open', 'Open'),
    ('disposition', 'Disposition'),
    ('closed', 'Closed'),
    ('cancelled', 'Cancelled'),
]
# written by the record's own methods only
_NC_FACTS = {'name', 'state', 'closed_by_id', 'closed_date', 'cancel_reason', 'source',
             'inspection_id', 'exception_id', 'company_id'}



def state_change_data(record, field, old_state):
    """The data of a ``*.state_changed`` event of a nonconformance or a CAPA."""
    record.ensure_one()
    record = record.sudo()
    return {
        'name': record.name, 'title': record.title,
        'product': {'id': record.product_id.id, 'name': record.product_id.display_name}
        if record.product_id else None,
        'old_state': old_state or None, 'new_state': record[field],
    }

class MesNonconformance(models.Model):
    """A nonconformance (ISO 13485 8.3): what is wrong, with which lots, contained on opening
    (lots on hand go on hold, the forward genealogy is attached), dispositioned line by line by
    the MRB through Odoo's own stock documents, and closed with a QA signature once every line
    is carried out. Never deleted: cancelled with a reason."""
    _name = 'mes.nonconformance'
    _description = 'Nonconformance'
    _inherit = ['mail.thread', 'mail.activity.mixin', 'mes.audited', 'mes.signable']
    _order = 'id desc'
    _check_company_auto = True
    _mes_protected_fields = tuple(sorted(_NC_FACTS - {'company_id'}))
    _mes_audit_fields = ('name', 'title', 'description', 'source', 'product_id', 'partner_id',
                         'defect', 'state', 'inspection_id', 'exception_id', 'company_id',
                         'complainant_id', 'udi', 'date_received', 'complaint_nature',
                         'complaint_reply', 'cancel_reason', 'closed_by_id', 'closed_date')
    # the closure signs what was found and what was done with every line
    _mes_signature_content = ('title', 'description', 'product_id', 'defect',
                              ('line_ids', ('lot_id', 'quantity', 'disposition',
                                            'disposition_state')))

    name = fields.Char(string='Reference', required=True, readonly=True, copy=False,
                       default=lambda self: _('New'))
    title = fields.Char(required=True, tracking=True)
    description = fields.Text()
    source = fields.Selection(NC_SOURCES, required=True, default='manual', readonly=True)
    state = fields.Selection(NC_STATES, required=True, default='open', readonly=True,
                             tracking=True, index=True)
    company_id = fields.Many2one('res.company', required=True, readonly=True, index=True,
                                 default=lambda self: self.env.company)
    product_id = fields.Many2one('product.product', check_company=True, tracking=True)
    partner_id = fields.Many2one('res.partner', string='Supplier', tracking=True)
    defect = fields.Char(help='What is wrong, in a few words (used to find recurrences).')
    inspection_id = fields.Many2one('mes.inspection', readonly=True, check_company=True)
    exception_id = fields.Many2one('mes.exception', readonly=True, check_company=True)
    # customer complaint (ISO 13485 8.2.2)
    complainant_id = fields.Many2one('res.partner')
    udi = fields.Char(string='UDI', help='Device identifier of the device complained about.')
    date_received = fields.Date(string='Complaint Received')
    complaint_nature = fields.Text(string='Nature of the Complaint')
    complaint_reply = fields.Text(string='Reply to the Complainant')
    line_ids = fields.One2many('mes.nonconformance.line', 'nonconformance_id')
    impact_ids = fields.One2many('mes.nonconformance.impact', 'nonconformance_id',
                                 readonly=True)
    impact_date = fields.Datetime(string='Impact computed on', readonly=True)
    lines_open = fields.Integer(compute='_compute_lines_open')
    cancel_reason = fields.Text(readonly=True)
    closed_by_id = fields.Many2one('res.users', readonly=True)
    closed_date = fields.Datetime(readonly=True)

    @api.depends('line_ids.disposition_state')
    def _compute_lines_open(self):
        for nc in self:
            nc.lines_open = len(nc.line_ids.filtered(lambda l: l.disposition_state != 'done'))

    @api.constrains('source', 'complainant_id', 'date_received', 'complaint_nature')
    def _check_complaint_record(self):
        # 21 CFR 820.35(a) / ISO 13485 8.2.2: a complaint record names who complained, when it
        # was received and what about, whichever way it was created
        for nc in self.filtered(lambda n: n.source == 'complaint'):
            if not (nc.complainant_id and nc.date_received and
                    (nc.complaint_nature or '').strip()):
                raise ValidationError(_(
                    'A customer complaint records the complainant, the date it was received '
                    'and the nature of the complaint (%(nc)s).', nc=nc.display_name))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not self.env.su and (_NC_FACTS - {'name', 'company_id'}) & set(vals):
                raise UserError(_('A nonconformance is opened in its first state; its source '
                                  'is set by the record it comes from.'))
            if vals.get('name', _('New')) == _('New'):
                vals['name'] = self.env['ir.sequence'].sudo().next_by_code(
                    'mes.nonconformance') or '/'
            if isinstance(vals.get('defect'), str):
                vals['defect'] = vals['defect'].strip()  # recurrences are found by it
        # contained once, below, with all its lines (not once per line batch)
        ncs = super(MesNonconformance, self.with_context(mes_nc_opening=True)).create(
            vals_list).with_env(self.env)
        ncs._mes_contain()
        for nc in ncs:
            self.env['mes.capa']._mes_propose_for_recurrence(nc)
        return ncs

    def write(self, vals):
        if isinstance(vals.get('defect'), str):
            vals = dict(vals, defect=vals['defect'].strip())
        if _NC_FACTS & set(vals) and not self.env.su:
            raise UserError(_('The state of a nonconformance changes only through its '
                              'actions (disposition, closure with a signature, cancel with a '
                              'reason).'))
        if self.filtered(lambda nc: nc.state in ('closed', 'cancelled')) and \
                set(vals) - {'message_follower_ids', 'message_ids', 'activity_ids',
                             'message_main_attachment_id'}:
            raise UserError(_('A closed or cancelled nonconformance cannot change.'))
        before = {record.id: record.state for record in self} if 'state' in vals else {}
        result = super().write(vals)
        self.env['mes.event']._mes_emit_state_changes(self, before, 'state',
                                                      {'*': 'nonconformance.state_changed'})
        return result

    def _mes_event_data(self, old_state=None):
        return state_change_data(self, 'state', old_state)

    def _mes_event_product(self):
        return self.product_id

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(_('A nonconformance is part of the quality record: cancel it with a '
                          'reason instead of deleting it.'))

    # -- containment ----------------------------------------------------------------------
    def _mes_contain(self):
        """Affected lots still on hand go on hold; the forward genealogy is attached."""
        for nc in self:
            lots = nc.line_ids.lot_id.filtered(
                lambda lot: lot.mes_release_state not in ('on_hold', 'rejected'))
            if lots:
                lots.sudo().with_context(mes_audit_reason=AuditReason(
                    _('Contained by nonconformance %(nc)s', nc=nc.name))).write(
                    {'mes_release_state': 'on_hold'})
            if nc.line_ids.lot_id:
                nc.action_refresh_impact()

    def action_refresh_impact(self):
        """The forward trace of every affected lot: downstream lots with their stock and
        deliveries (the recall scope), replaced on each refresh."""
        for nc in self:
            nc.check_access('read')
            rows = []
            for lot in nc.line_ids.lot_id:
                trace = lot.sudo().with_company(nc.company_id).mes_trace('forward')
                for node in trace['nodes']:
                    rows.append({
                        'origin_lot_id': lot.id, 'lot_id': node['lot_id'],
                        'level': node['level'], 'on_hand': sum(
                            q['qty'] for q in node.get('on_hand') or []),
                        'delivered': sum(d['qty'] for d in node.get('delivered') or []),
                        'release_state': node.get('release_state') or False,
                    })
            nc.sudo()._mes_store_impact(rows)
        return True

    def _mes_store_impact(self, rows):
        """Replace the impact list with ``rows`` in two statements: a recall reaches tens of
        thousands of lots, and the list is derived data (recomputed on every refresh, never
        edited, not part of the audited record), so it skips the per-row ORM."""
        self.ensure_one()
        Impact = self.env['mes.nonconformance.impact']
        self.env.flush_all()
        cr = self.env.cr
        cr.execute('DELETE FROM mes_nonconformance_impact WHERE nonconformance_id = %s',
                   [self.id])
        if rows:
            now = fields.Datetime.now()
            columns = ('nonconformance_id', 'company_id', 'origin_lot_id', 'lot_id', 'level',
                       'on_hand', 'delivered', 'release_state', 'create_uid', 'create_date',
                       'write_uid', 'write_date')
            values = [(self.id, self.company_id.id, row['origin_lot_id'], row['lot_id'],
                       row['level'], row['on_hand'], row['delivered'],
                       row['release_state'] or None, self.env.uid, now, self.env.uid, now)
                      for row in rows]
            execute_values(cr._obj, 'INSERT INTO mes_nonconformance_impact (%s) VALUES %%s'
                           % ', '.join(columns), values, page_size=5000)
        Impact.invalidate_model()
        self.invalidate_recordset(['impact_ids'])
        self.write({'impact_date': fields.Datetime.now()})

    # -- closure and cancel ------------------------------------------------------------------
    def _mes_check_closable(self):
        self.ensure_one()
        if self.state in ('closed', 'cancelled'):
            raise UserError(_('%(nc)s is already closed or cancelled.', nc=self.name))
        if not self.line_ids:
            raise UserError(_('%(nc)s has no affected line to disposition.', nc=self.name))
        open_lines = self.line_ids.filtered(lambda l: l.disposition_state != 'done')
        if open_lines:
            raise UserError(_('%(nc)s cannot close: %(count)s line(s) are not carried out '
                              '(%(lots)s).', nc=self.name, count=len(open_lines),
                              lots=', '.join(open_lines.mapped(
                                  lambda l: l.lot_id.name or l.product_id.display_name))))

    def _mes_check_can_sign(self, meaning):
        self._mes_check_closable()
        return super()._mes_check_can_sign(meaning)

    def _mes_on_signature_complete(self):
        self.sudo().write({'state': 'closed', 'closed_by_id': self.env.uid,
                           'closed_date': fields.Datetime.now()})
        return super()._mes_on_signature_complete()

    def action_close(self):
        self.ensure_one()
        self._mes_check_closable()
        return self.action_mes_sign()

    def action_open_capa(self):
        """The CAPA of this nonconformance: the open one that covers it, else a new one."""
        self.ensure_one()
        Capa = self.env['mes.capa']
        capa = Capa.search([('nonconformance_ids', 'in', self.ids),
                            ('stage', 'not in', ('closed', 'cancelled'))], limit=1)
        if not capa:
            capa = Capa.create({'title': self.title, 'source': 'nonconformance',
                                'company_id': self.company_id.id,
                                'product_id': self.product_id.id or False,
                                'nonconformance_ids': [(6, 0, self.ids)],
                                'problem_statement': self.description or False})
        return {'type': 'ir.actions.act_window', 'res_model': 'mes.capa', 'res_id': capa.id,
                'view_mode': 'form', 'views': [(False, 'form')]}

    def action_cancel_wizard(self):
        return self.env['mes.quality.note']._mes_open(self, 'nc_cancel',
                                                      _('Cancel Nonconformance'))

    def mes_cancel(self, reason):
        """Cancel (never delete) with a reason; the contained lots stay as they are."""
        self.ensure_one()
        self.check_access('write')
        if not self.env.user.has_group('mes_bridge.group_mes_quality_manager'):
            raise UserError(_('Only a QA manager cancels a nonconformance.'))
        if not (reason or '').strip():
            raise UserError(_('State why the nonconformance is cancelled.'))
        if self.state in ('closed', 'cancelled'):
            raise UserError(_('%(nc)s is already closed or cancelled.', nc=self.name))
        self.sudo().with_context(mes_audit_reason=AuditReason(reason.strip())).write(
            {'state': 'cancelled', 'cancel_reason': reason.strip()})
        return True

    # -- opening from other records -----------------------------------------------------------
    @api.model
    @api.model
    def mes_open_complaint(self, title, complainant_id, date_received, nature, udi=None,
                           lines=None):
        """Register a customer complaint as a nonconformance (quality; JSON-2 and forms): who
        complained, when it was received, what about, the device (UDI, lots in ``lines``:
        ``[{'lot_id', 'product_id', 'quantity', 'location_id'}]``), contained like any other."""
        if not self.env.user.has_group('mes_bridge.group_mes_quality_inspector'):
            raise AccessError(_('Customer complaints are registered by quality.'))
        self.check_access('create')
        partner = self.env['res.partner'].browse(complainant_id).exists()
        partner.check_access('read')
        for line in lines or []:
            self.env['stock.lot'].browse(line.get('lot_id')).check_access('read')
        return self._mes_open_from('complaint', title, lines or [],
                                   complainant_id=partner.id, date_received=date_received,
                                   complaint_nature=nature, udi=udi or False)

    def _mes_open_from(self, source, title, lines, **facts):
        """Open a nonconformance from an inspection or an exception (already checked by the
        caller), with its affected lines: ``[{'lot_id', 'product_id', 'quantity',
        'location_id'}]``."""
        vals = dict(facts, source=source, title=title,
                    line_ids=[(0, 0, line) for line in lines])
        return self.sudo().create(vals).sudo(False)
