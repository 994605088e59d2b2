import csv
import io

import xlsxwriter

from odoo import _, api, fields, models
from odoo.addons.mes_part11.lib import spreadsheet
from odoo.addons.mes_part11.models.mes_audited import AuditReason
from odoo.exceptions import UserError

RECALL_LINE_TYPES = [
    ('stock', 'On hand'),
    ('delivered', 'Delivered'),
    ('elsewhere', 'Consumed / elsewhere'),
]


class MesRecallWizard(models.TransientModel):
    """Recall simulation from one lot: every lot it reached, where the stock is, who got it."""
    _name = 'mes.recall.wizard'
    _description = 'Recall Simulation'

    lot_id = fields.Many2one('stock.lot', string='Suspect Lot', required=True)
    line_ids = fields.One2many('mes.recall.line', 'wizard_id', string='Affected')
    affected_lot_count = fields.Integer(string='Affected Lots', readonly=True)
    qty_on_hand = fields.Float(string='On Hand', readonly=True, digits='Product Unit')
    qty_delivered = fields.Float(string='Delivered', readonly=True, digits='Product Unit')
    customer_count = fields.Integer(string='Customers Reached', readonly=True)
    reason = fields.Text(string='Hold Reason',
                         help='Recorded on every lot put on hold and in the audit trail.')
    simulated = fields.Boolean(readonly=True)

    def action_simulate(self):
        self.ensure_one()
        trace = self.lot_id.mes_trace('forward')
        lines = [fields.Command.clear()]
        customers = set()
        for node in trace['nodes']:
            base = {'lot_id': node['lot_id'], 'product_id': node['product_id'],
                    'level': node['level'], 'production_id': node['production_id']}
            for stock in node['on_hand']:
                lines.append(fields.Command.create(dict(
                    base, line_type='stock', location_id=stock['location_id'],
                    qty=stock['qty'])))
            for delivery in node['delivered']:
                customers.add(delivery['partner_id'])
                lines.append(fields.Command.create(dict(
                    base, line_type='delivered', picking_id=delivery['picking_id'],
                    partner_id=delivery['partner_id'], qty=delivery['qty'],
                    date=delivery['date'])))
            if not node['on_hand'] and not node['delivered']:
                lines.append(fields.Command.create(dict(base, line_type='elsewhere', qty=0.0)))
        self.write({'line_ids': lines, 'simulated': True})
        self.write({
            'affected_lot_count': trace['lot_count'],
            'qty_on_hand': sum(self.line_ids.filtered(lambda l: l.line_type == 'stock')
                               .mapped('qty')),
            'qty_delivered': sum(self.line_ids.filtered(lambda l: l.line_type == 'delivered')
                                 .mapped('qty')),
            'customer_count': len(customers - {None, False}),
        })
        return self._reopen()

    def _reopen(self):
        return {
            'type': 'ir.actions.act_window',
            'name': _('Recall Simulation'),
            'res_model': self._name,
            'res_id': self.id,
            'view_mode': 'form',
            'views': [(False, 'form')],
            'target': 'current',
        }

    def action_hold_on_hand(self):
        """Put every affected lot still on hand on hold, with the reason (audited)."""
        self.ensure_one()
        if not (self.reason or '').strip():
            raise UserError(_('State the reason for the hold: it is recorded on every lot.'))
        if not self.simulated:
            self.action_simulate()
        lots = self.line_ids.filtered(lambda l: l.line_type == 'stock').lot_id
        to_hold = lots.filtered(lambda lot: lot.mes_release_state not in ('on_hold', 'rejected'))
        if not to_hold:
            raise UserError(_('No affected lot on hand is left to put on hold.'))
        reason = self.reason.strip()
        to_hold.with_context(mes_audit_reason=AuditReason(reason)).write(
            {'mes_release_state': 'on_hold', 'mes_release_reason': reason})
        self.lot_id.message_post(body=_(
            'Recall simulation: %(count)s affected lot(s) on hand put on hold. Reason: %(reason)s',
            count=len(to_hold), reason=reason))
        return self._reopen()

    # -- export ------------------------------------------------------------------------------
    def _rows(self):
        header = [_('Level'), _('Lot'), _('Product'), _('Produced by'), _('Status'),
                  _('Situation'), _('Location'), _('Delivery'), _('Customer'), _('Date'),
                  _('Quantity')]
        rows = []
        for line in self.line_ids.sorted(lambda l: (l.level, l.lot_id.name or '', l.id)):
            rows.append([
                line.level, line.lot_id.name, line.product_id.display_name,
                line.production_id.name or '', line.release_state_label or '',
                line._fields['line_type'].convert_to_export(line.line_type, line),
                line.location_id.complete_name or '', line.picking_id.name or '',
                line.partner_id.display_name or '',
                fields.Datetime.to_string(line.date) if line.date else '', line.qty])
        return header, rows

    def action_export_csv(self):
        return self._download('csv')

    def action_export_xlsx(self):
        return self._download('xlsx')

    def _download(self, kind):
        self.ensure_one()
        if not self.simulated:
            self.action_simulate()
        header, rows = self._rows()
        if kind == 'csv':
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(spreadsheet.csv_row(header))
            writer.writerows(spreadsheet.csv_row(row) for row in rows)
            data, mimetype = buffer.getvalue().encode('utf-8-sig'), 'text/csv'
        else:
            stream = io.BytesIO()
            book = xlsxwriter.Workbook(stream, {'in_memory': True})
            sheet = book.add_worksheet(_('Recall')[:31])
            bold = book.add_format({'bold': True})
            spreadsheet.write_xlsx_row(sheet, 0, header, bold)
            for index, row in enumerate(rows, start=1):
                spreadsheet.write_xlsx_row(sheet, index, row)
            book.close()
            data = stream.getvalue()
            mimetype = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
        attachment = self.env['ir.attachment'].create({
            'name': 'recall-%s.%s' % (self.lot_id.name, kind), 'raw': data,
            'mimetype': mimetype, 'res_model': self._name, 'res_id': self.id})
        return {'type': 'ir.actions.act_url', 'target': 'download',
                'url': '/web/content/%s?download=true' % attachment.id}


class MesRecallLine(models.TransientModel):
    _name = 'mes.recall.line'
    _description = 'Recall Simulation Line'
    _order = 'level, lot_id, id'

    wizard_id = fields.Many2one('mes.recall.wizard', required=True, ondelete='cascade')
    lot_id = fields.Many2one('stock.lot', required=True)
    product_id = fields.Many2one('product.product')
    production_id = fields.Many2one('mrp.production', string='Produced by')
    level = fields.Integer()
    release_state = fields.Selection(related='lot_id.mes_release_state', string='Status')
    release_state_label = fields.Char(compute='_compute_release_state_label')
    line_type = fields.Selection(RECALL_LINE_TYPES, string='Situation', required=True)
    location_id = fields.Many2one('stock.location')
    picking_id = fields.Many2one('stock.picking', string='Delivery')
    partner_id = fields.Many2one('res.partner', string='Customer')
    date = fields.Datetime()
    qty = fields.Float(string='Quantity', digits='Product Unit')

    @api.depends('lot_id.mes_release_state')
    def _compute_release_state_label(self):
        labels = dict(self.env['stock.lot']._fields['mes_release_state']
                      ._description_selection(self.env))
        for line in self:
            line.release_state_label = labels.get(line.lot_id.mes_release_state)
