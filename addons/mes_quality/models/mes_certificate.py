import base64
import hashlib
import hmac
import json

from odoo import _, api, fields, models
from odoo.addons.mes_part11.models.mes_signature import chain_text
from odoo.exceptions import AccessError, UserError

from ..lib import datamatrix, gs1, pdf_document
from ..lib import production_record as record_lib


class MesCertificate(models.Model):
    """A certificate of conformance: what was made and tested to which specifications, for a
    released lot or for the lots of a delivery. Its content is hashed; a public page answers
    whether a certificate (or its PDF) is the one issued and whether its lots are still
    released."""
    _name = 'mes.certificate'
    _description = 'Certificate of Conformance'
    _inherit = ['mes.audited']
    _order = 'id desc'
    _check_company_auto = True
    _mes_audit_fields = ('name', 'picking_id', 'lot_ids', 'content_hash', 'pdf_sha256')
    _mes_audit_no_delete = True

    name = fields.Char(string='Document Number', required=True, readonly=True, copy=False,
                       index=True)
    company_id = fields.Many2one('res.company', required=True, readonly=True, index=True)
    picking_id = fields.Many2one('stock.picking', string='Delivery', readonly=True,
                                 index='btree_not_null', check_company=True)
    partner_id = fields.Many2one('res.partner', string='Customer', readonly=True)
    lot_ids = fields.Many2many('stock.lot', string='Lots / Serials', readonly=True)
    content_json = fields.Text(readonly=True, groups='base.group_system')
    content_hash = fields.Char(string='Content SHA-256', readonly=True)
    pdf = fields.Binary(string='Certificate (PDF)', attachment=True, readonly=True)
    pdf_name = fields.Char(readonly=True)
    pdf_sha256 = fields.Char(string='PDF SHA-256', readonly=True)
    issued_by_id = fields.Many2one('res.users', readonly=True)
    issue_date = fields.Datetime(string='Issued on (UTC)', readonly=True)
    verification_url = fields.Char(compute='_compute_verification_url')

    _name_unique = models.Constraint('UNIQUE (name)', 'A certificate number is issued once.')

    def _compute_verification_url(self):
        base = self.env['ir.config_parameter'].sudo().get_param('web.base.url', '')
        for certificate in self:
            certificate.verification_url = '%s/mes/coc/%s/%s' % (
                base, certificate.name, certificate.content_hash) if certificate.name else False

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise UserError(_('A certificate is issued from a released lot or a delivery.'))
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            raise UserError(_('An issued certificate does not change: issue a new one.'))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(_('An issued certificate is part of the quality record: it cannot be '
                          'deleted.'))

    # -- content ---------------------------------------------------------------------------
    @api.model
    def _mes_lot_facts(self, lot, quantity):
        """What the certificate states about one lot, from its released production record."""
        lot = lot.sudo()
        product = lot.product_id
        record = self.env['mes.production.record'].sudo().search(
            [('lot_ids', 'in', lot.ids), ('state', '=', 'released')], limit=1)
        production = record.production_id
        inspections = self.env['mes.inspection'].sudo().search(
            ['|', ('lot_id', '=', lot.id), ('production_id', '=', production.id or 0),
             ('state', '=', 'decided')], order='id')
        concessions = self.env['mes.nonconformance.line'].sudo().search([
            ('lot_id', '=', lot.id), ('disposition', '=', 'use_as_is'),
            ('disposition_state', '=', 'done')])
        release = record.mes_signature_ids.filtered(lambda s: s.state == 'valid')[:1]
        template = product.product_tmpl_id
        made = production.date_finished
        udi = self._mes_udi(lot)
        return {
            'lot_id': lot.id, 'lot': lot.name, 'product': product.display_name,
            'part_number': product.default_code or None,
            'revision': production.mes_bom_version or None,
            'udi_di': template.mes_gtin or None, 'basic_udi_di': template.mes_basic_udi_di or None,
            'udi_hri': udi.hri if udi else None, 'udi_data': udi.data if udi else None,
            'quantity': quantity, 'uom': product.uom_id.name,
            'manufactured': fields.Date.to_string(made.date()) if made else None,
            'expiry': fields.Date.to_string(lot.expiration_date.date())
            if lot.expiration_date else None,
            'specifications': [s for s in [
                production.bom_id and '%s v%s' % (production.bom_id.display_name,
                                                  production.mes_bom_version)] if s] + sorted({
                    '%s v%s' % (i.plan_id.name, i.plan_id.version) for i in inspections}),
            'inspections': ['%s (%s)' % (i.name, i.decision) for i in inspections],
            'concessions': ['%s: %s' % (c.nonconformance_id.name, c.justification)
                            for c in concessions],
            'production_record': record.name and '%s v%s' % (record.name, record.version),
            'production_record_hash': record.content_hash or None,
            'release': {'meaning': release.meaning_name, 'signer': release.signer_name,
                        'date': fields.Datetime.to_string(release.signed_at),
                        'reason': release.reason or '', 'chain_seq': release.chain_seq or None,
                        'chain_hash': release.chain_hash or None} if release else None,
        }

    @api.model
    def _mes_udi(self, lot):
        """The GS1 UDI of a lot (None when its product has no GTIN): (01) GTIN, (17) expiry,
        (10) lot or (21) serial. The same on the label, the label check and the certificate:
        labels are printed and checked while the order runs, before its date of manufacture
        is known, so (11) is not part of it."""
        template = lot.product_id.product_tmpl_id
        if not template.mes_gtin:
            return None
        tracking = lot.product_id.tracking
        try:
            return gs1.udi_element_string(
                template.mes_gtin, expiry=lot.expiration_date.date() if lot.expiration_date
                else None,
                lot=lot.name if tracking == 'lot' else None,
                serial=lot.name if tracking == 'serial' else None)
        except ValueError as error:
            raise UserError(_('Lot %(lot)s cannot be written as a UDI: %(why)s', lot=lot.name,
                              why=str(error))) from error

    @api.model
    def _mes_issue(self, quantities, picking=None):
        """Issue a certificate for ``{lot: quantity}`` (every lot released), for ``picking``
        when given (customer and order reference)."""
        lots = self.env['stock.lot'].browse([lot.id for lot in quantities])
        unreleased = lots.filtered(lambda lot: lot.mes_release_state != 'released')
        if unreleased:
            raise UserError(_('A certificate of conformance is issued for released lots only: '
                              '%(lots)s.', lots=', '.join(unreleased.mapped('name'))))
        # a lot made here is certified from its reviewed and released production record
        made = self.env['mrp.production'].sudo().search(
            [('lot_producing_ids', 'in', lots.ids), ('state', '=', 'done')])
        unreviewed = made.filtered(lambda p: p.mes_production_record_state != 'released')
        if unreviewed:
            raise UserError(_('A certificate of conformance is issued once the production '
                              'record is released: %(orders)s.',
                              orders=', '.join(unreviewed.mapped('name'))))
        company = (picking.company_id if picking else lots[:1].company_id) or self.env.company
        partner = picking.partner_id.commercial_partner_id if picking else None
        number = self.env['ir.sequence'].sudo().next_by_code('mes.certificate') or '/'
        address = company.partner_id._display_address(without_company=True).replace('\n', ', ')
        content = {
            'schema': 1, 'number': number,
            'manufacturer': {'name': company.name, 'address': address},
            'customer': partner.name if partner else None,
            'order': (picking.origin or picking.name) if picking else None,
            'delivery': picking.name if picking else None,
            'lots': [self._mes_lot_facts(lot, qty) for lot, qty in sorted(
                quantities.items(), key=lambda item: item[0].name)],
            'statement': company.mes_conformity_statement or _(
                'We certify that the products listed above were manufactured, inspected and '
                'tested in accordance with their approved specifications and our quality '
                'management system (ISO 13485), and conform to them.'),
            'issued': fields.Datetime.to_string(fields.Datetime.now()),
            'issued_by': self.env.user.name,
        }
        digest = record_lib.content_hash(content)
        certificate = self.sudo().create({
            'name': number, 'company_id': company.id, 'picking_id': picking.id if picking
            else False, 'partner_id': partner.id if partner else False,
            'lot_ids': [(6, 0, lots.ids)], 'content_json': record_lib.canonical_json(content),
            'content_hash': digest, 'issued_by_id': self.env.uid,
            'issue_date': fields.Datetime.now()})
        data = pdf_document.render_document(certificate._mes_pdf_document(content))
        certificate.write({'pdf': base64.b64encode(data), 'pdf_name': '%s.pdf' % number,
                           'pdf_sha256': hashlib.sha256(data).hexdigest()})
        if picking:
            self.env['ir.attachment'].sudo().create({
                'name': '%s.pdf' % number, 'raw': data, 'mimetype': 'application/pdf',
                'res_model': 'stock.picking', 'res_id': picking.id})
        return certificate.sudo(False)

    def _mes_certificate_content(self):
        self.ensure_one()
        return json.loads(self.sudo().content_json or '{}')

    def _mes_pdf_document(self, content):
        self.ensure_one()
        first = content['lots'][0] if content['lots'] else {}
        matrix = datamatrix.encode(first['udi_data'], gs1=True) if first.get('udi_data') \
            else None
        rows = [[lot['product'], lot['part_number'], lot['revision'], lot['lot'],
                 '%s %s' % (lot['quantity'], lot['uom']), lot['manufactured'], lot['expiry'],
                 lot['udi_hri'] or lot['udi_di']] for lot in content['lots']]
        sections = [{'title': self.env._('Products'), 'table': {
            'columns': [self.env._('Product'), self.env._('Part number'), self.env._('Revision'), self.env._('Lot / serial'),
                        self.env._('Quantity'), self.env._('Manufactured'), self.env._('Expiry'), self.env._('UDI')],
            'rows': rows, 'widths': [3, 1.5, 1, 1.6, 1.3, 1.5, 1.5, 4]}}]
        none = self.env._('None')
        for lot in content['lots']:
            release = lot['release']
            released = '%s %s, %s UTC' % (release['meaning'], release['signer'],
                                          release['date']) if release else '-'
            sections.append({'title': self.env._('Lot %(lot)s', lot=lot['lot']), 'key_values': [
                (self.env._('Basic UDI-DI'), lot['basic_udi_di'] or '-'),
                (self.env._('Made and tested to'), '; '.join(lot['specifications']) or '-'),
                (self.env._('Inspections passed'), '; '.join(lot['inspections']) or none),
                (self.env._('Concessions'), '; '.join(lot['concessions']) or none),
                (self.env._('Production record'), lot['production_record'] or '-'),
                (self.env._('QA release'), released),
                (self.env._('Audit trail at release'), self.env._(
                    'entry %(seq)s, head SHA-256 %(hash)s', seq=release['chain_seq'],
                    hash=chain_text(release['chain_hash']))
                 if release and release.get('chain_hash') else '-')]})
        meta = [(self.env._('Manufacturer'), content['manufacturer']['name']),
                (self.env._('Address'), content['manufacturer']['address'] or '-')]
        if content.get('customer'):
            meta += [(self.env._('Customer'), content['customer']),
                     (self.env._('Order reference'), content['order'] or '-'),
                     (self.env._('Delivery'), content['delivery'] or '-')]
        meta += [(self.env._('Issued on (UTC)'), content['issued']), (self.env._('Issued by'),
                                                             content['issued_by'])]
        signatures = [dict(lot['release'], meaning=self.env._('QA release: %(meaning)s',
                                                     meaning=lot['release']['meaning']),
                           chain=chain_text(lot['release']['chain_hash'])
                           if lot['release'].get('chain_hash') else '')
                      for lot in content['lots'] if lot['release']]
        return {
            'title': self.env._('Certificate of Conformance'),
            'running_header': '%s - %s' % (content['number'], ', '.join(
                '%s %s' % (lot['product'], lot['lot']) for lot in content['lots'])),
            'document_number': content['number'],
            'meta': meta,
            'sections': sections,
            'statement': content['statement'],
            'signatures': signatures,
            'content_hash': self.content_hash,
            'qr_data': self.verification_url,
            'qr_caption': self.env._('Verify this certificate'),
            'barcode_matrix': matrix,
            'barcode_caption': first.get('udi_hri'),
            'labels': self.env['mes.production.record']._mes_pdf_labels(),
        }

    # -- verification --------------------------------------------------------------------------
    @api.model
    def _mes_verify(self, number, digest, pdf_bytes=None):
        """The public answer for a certificate number and hash (and optionally its PDF):
        ``{'found', 'matches', 'pdf_matches', 'number', 'issued', 'lots': [{'lot', 'product',
        'quantity', 'status', 'still_released'}]}`` - nothing private."""
        certificate = self.sudo().search([('name', '=', number)], limit=1)
        # the number alone reveals nothing (numbers are sequential): without its hash, a
        # certificate is answered like one that does not exist
        if not certificate or not hmac.compare_digest(str(digest or ''),
                                                      certificate.content_hash or ''):
            return {'found': False}
        content = certificate._mes_certificate_content()
        matches = record_lib.content_hash(content) == certificate.content_hash
        states = dict(self.env['stock.lot']._fields['mes_release_state']._description_selection(
            self.env))
        lots = {lot.id: lot for lot in certificate.lot_ids}
        result = {
            'found': True, 'matches': matches, 'number': certificate.name,
            'issued': content.get('issued'),
            'lots': [{'lot': entry['lot'], 'product': entry['product'],
                      'quantity': '%s %s' % (entry['quantity'], entry['uom']),
                      'status': states.get(lots[entry['lot_id']].mes_release_state)
                      if entry.get('lot_id') in lots else '-',
                      'still_released': entry.get('lot_id') in lots
                      and lots[entry['lot_id']].mes_release_state == 'released'}
                     for entry in content.get('lots', [])],
        }
        if pdf_bytes is not None:
            result['pdf_matches'] = hashlib.sha256(pdf_bytes).hexdigest() == \
                certificate.pdf_sha256
        return result

    def action_download(self):
        self.ensure_one()
        return {'type': 'ir.actions.act_url', 'target': 'download',
                'url': '/web/content/mes.certificate/%s/pdf/%s?download=true' % (
                    self.id, self.pdf_name)}

    @api.model
    def _mes_check_quality(self):
        if not self.env.user.has_group('mes_bridge.group_mes_quality_inspector'):
            raise AccessError(_('Certificates of conformance are issued by quality.'))
