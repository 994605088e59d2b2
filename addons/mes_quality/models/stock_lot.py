import base64

from odoo import _, fields, models
from odoo.exceptions import UserError

from ..lib import datamatrix, pdf_document
from .mes_production_record import RECORD_RELEASE


class StockLot(models.Model):
    _inherit = 'stock.lot'

    def write(self, vals):
        if vals.get('mes_release_state') == 'released':
            self._mes_check_inspections_accepted()
            # the record release hands its token in; every other way in meets the gate
            if self.env.context.get('mes_record_release') is not RECORD_RELEASE:
                for lot in self.filtered(lambda l: l.mes_release_state != 'released'):
                    problem = lot._mes_record_release_problem()
                    if problem:
                        raise UserError(problem)
        return super().write(vals)

    def _mes_record_release_problem(self):
        """Why this lot, made here, is not released by hand: while an order still makes it,
        or while the production record of an order that made it is not released, the release
        is the record's (QA's release signature over the reviewed record). False when nothing
        stands in the way (bought lots, lots made before production records existed)."""
        self.ensure_one()
        productions = self.env['mrp.production'].sudo().search(
            [('lot_producing_ids', 'in', self.ids), ('state', '!=', 'cancel')])
        for production in productions:
            if production.state != 'done':
                return self.env._(
                    'Lot %(lot)s is still being made by %(mo)s: it is released with the '
                    'production record, once the order is done.', lot=self.display_name,
                    mo=production.name)
            record = production.mes_production_record_id
            if record and record.state != 'released':
                state = dict(record._fields['state']._description_selection(self.env))[
                    record.state]
                return self.env._(
                    'Lot %(lot)s is released with the production record %(record)s '
                    '(%(state)s) of %(mo)s: review and release the record.',
                    lot=self.display_name, record=record.display_name, state=state,
                    mo=production.name)
        return False

    def _mes_check_inspections_accepted(self):
        """A lot is released only when its inspections are decided and accepted: whoever
        releases it, whatever the entry point."""
        inspections = self.env['mes.inspection'].sudo().search([('lot_id', 'in', self.ids)])
        # a signed concession (use as is) releases a lot an inspection rejected
        conceded = self.env['mes.nonconformance.line'].sudo().search([
            ('lot_id', 'in', self.ids), ('disposition', '=', 'use_as_is'),
            ('disposition_state', 'in', ('approved', 'done'))]).lot_id
        for inspection in inspections.filtered('sampling_state_id.discontinued'):
            inspection.sampling_state_id._mes_check_not_discontinued()
        for inspection in inspections.filtered(
                lambda i: i.state == 'pending' or (i.decision == 'reject'
                                                   and i.lot_id not in conceded)):
            if inspection.state == 'pending':
                raise UserError(_('Lot %(lot)s cannot be released: inspection %(name)s is not '
                                  'decided yet.', lot=inspection.lot_id.display_name,
                                  name=inspection.name))
            raise UserError(_('Lot %(lot)s cannot be released: inspection %(name)s rejected '
                              'it. Disposition the nonconformance first.',
                              lot=inspection.lot_id.display_name, name=inspection.name))

    # -- certificates of conformance ---------------------------------------------------------
    def _mes_on_hand(self):
        self.ensure_one()
        quants = self.env['stock.quant'].sudo().search(
            [('lot_id', '=', self.id), ('location_id.usage', '=', 'internal')])
        return sum(quants.mapped('quantity'))

    def mes_issue_certificate(self):
        """QA issues a certificate of conformance for this released lot."""
        self.ensure_one()
        self.env['mes.certificate']._mes_check_quality()
        self.check_access('read')
        return self.env['mes.certificate']._mes_issue({self: self._mes_on_hand()})

    def mes_certificate_pdf(self):
        """The lot's latest certificate of conformance (JSON-2): ``{'name', 'pdf'}`` with the
        PDF in base64, issued now by quality when there is none yet."""
        self.ensure_one()
        self.check_access('read')
        certificate = self.env['mes.certificate'].search(
            [('lot_ids', 'in', self.ids), ('picking_id', '=', False)], limit=1)
        if not certificate:
            certificate = self.mes_issue_certificate()
        return {'name': certificate.name, 'pdf': certificate.sudo().pdf.decode()}

    def action_mes_certificate(self):
        self.ensure_one()
        return self.mes_issue_certificate().action_download()

    # -- UDI labels ----------------------------------------------------------------------------
    def _mes_label(self):
        """One label: the device, its lot or serial and expiry, the GS1 DataMatrix of its UDI
        and the human-readable text by GS1 rules."""
        self.ensure_one()
        udi = self.env['mes.certificate']._mes_udi(self)
        if not udi:
            raise UserError(_('%(product)s has no GTIN: set it on the product to print UDI '
                              'labels.', product=self.product_id.display_name))
        product = self.product_id
        lines = [product.default_code or '',
                 _('LOT %(lot)s', lot=self.name) if product.tracking == 'lot'
                 else _('SN %(serial)s', serial=self.name)]
        if self.expiration_date:
            lines.append(_('Use by %(date)s', date=fields.Date.to_string(
                self.expiration_date.date())))
        return {'title': product.name, 'lines': [line for line in lines if line],
                'hri': udi.hri, 'barcode_matrix': datamatrix.encode(udi.data, gs1=True)}

    def mes_udi_label_pdf(self):
        """UDI labels of these lots / serials as one PDF, one label per page (JSON-2: base64)."""
        self.check_access('read')
        data = pdf_document.render_labels([lot._mes_label() for lot in self])
        return base64.b64encode(data).decode()

    def action_mes_udi_label(self):
        data = base64.b64decode(self.mes_udi_label_pdf())
        attachment = self.env['ir.attachment'].sudo().create({
            'name': 'UDI %s.pdf' % ', '.join(self.mapped('name'))[:60], 'raw': data,
            'mimetype': 'application/pdf', 'res_model': 'stock.lot', 'res_id': self[:1].id})
        return {'type': 'ir.actions.act_url', 'target': 'download',
                'url': '/web/content/%s?download=true' % attachment.id}
