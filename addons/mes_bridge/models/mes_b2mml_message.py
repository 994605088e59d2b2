import hashlib
import json
import logging

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..lib import b2mml

_logger = logging.getLogger(__name__)


class _Refused(Exception):
    """A schedule with a request that cannot be carried out: nothing of it is kept."""


class MesB2mmlMessage(models.Model):
    """An ISA-95 B2MML message a planning system sent us and what we answered: the key that
    makes a message idempotent (its BODID: the same message again gets the same answer and
    changes nothing) and the record of who ordered what. Written by ``_mes_receive`` only."""
    _name = 'mes.b2mml.message'
    _description = 'B2MML Message Received'
    _order = 'id desc'
    _rec_name = 'bodid'

    bodid = fields.Char(string='BODID', required=True, readonly=True,
                        help="The sender's unique ID of the message (ApplicationArea/BODID).")
    message_name = fields.Char(string='Message Type', required=True, readonly=True)
    sender = fields.Char(readonly=True, help='ApplicationArea/Sender/LogicalID')
    received = fields.Datetime(string='Received (UTC)', required=True, readonly=True)
    user_id = fields.Many2one('res.users', string='API User', required=True, readonly=True)
    company_id = fields.Many2one('res.company', required=True, readonly=True, index=True)
    content_sha256 = fields.Char(string='Content SHA-256', required=True, readonly=True)
    request_document = fields.Text(string='Message Received', readonly=True)
    response_document = fields.Text(string='Answer', readonly=True)
    production_ids = fields.Many2many('mrp.production', string='Manufacturing Orders',
                                      readonly=True)

    _bodid_unique = models.Constraint('UNIQUE (bodid)', 'A BODID names one message.')

    @api.model_create_multi
    def create(self, vals_list):  # pylint: disable=method-required-super
        # _mes_claim inserts the row itself (ON CONFLICT: one message per BODID, even when
        # two arrive at once); nothing else records a message
        raise AccessError(_('B2MML messages are recorded when they are received.'))

    def write(self, vals):
        if not (self.env.su and self.env.context.get('mes_b2mml_receiving')):
            raise UserError(_('A received message is kept as it was received.'))
        return super().write(vals)

    def unlink(self):
        if self:
            raise UserError(_('A received message is kept as it was received.'))
        return super().unlink()

    # -- receiving -------------------------------------------------------------------------------
    @api.model
    def _mes_sender(self):
        """Our ApplicationArea/Sender/LogicalID."""
        return self.env['ir.config_parameter'].sudo().get_param(
            'mes_bridge.b2mml_logical_id') or 'odoo-mes'

    @api.model
    def _mes_receive(self, data):
        """Answer one B2MML message (bytes) as the current user: ``(HTTP status, content type,
        body)``. Refused messages change nothing."""
        try:
            root, header = b2mml.read(data)
        except b2mml.B2mmlError as error:
            return self._mes_refusal(400, error)
        try:
            if header['name'] == 'GetMaterialLot':
                return self._mes_show_material_lot(root, header)
            return self._mes_process_schedule(data, root, header)
        except AccessError as error:
            return 403, 'application/json', json.dumps({'error': {
                'code': 'access', 'message': str(error)}}).encode()

    def _mes_refusal(self, status, error):
        body = {'code': error.code, 'message': self._mes_error_text(error)}
        body.update({key: error.params[key] for key in ('line', 'path', 'detail', 'request')
                     if error.params.get(key) not in (None, '')})
        return status, 'application/json', json.dumps({'error': body},
                                                      ensure_ascii=False).encode()

    @api.model
    def _mes_error_text(self, error):
        """The reader's words for a ``B2mmlError``."""
        params = dict(error.params)
        texts = {
            'empty': _('The message is empty.'),
            'too_large': _('The message is larger than %(limit)s bytes.'),
            'malformed': _('The message is not well-formed XML (line %(line)s): %(detail)s'),
            'doctype': _('Document type declarations (DTDs, entities) are not accepted.'),
            'schema': _('The message does not validate against the B2MML v7 schemas, line '
                        '%(line)s, at %(path)s: %(detail)s'),
            'outbound_invalid': _('The %(name)s message made of this event does not validate '
                                  'against the B2MML v7 schemas (line %(line)s, at %(path)s: '
                                  '%(detail)s); it is not sent.'),
            'unsupported': _('%(name)s messages are not accepted here; send one of: '
                             '%(accepted)s.'),
            'no_bodid': _('The message has no ApplicationArea/BODID: it is needed to receive a '
                          'message once only.'),
            'value': _('Line %(line)s, at %(path)s: "%(detail)s" is not a valid value.'),
            'time_zone': _('Line %(line)s, at %(path)s: the time "%(detail)s" has no time zone '
                           '(add Z or an offset).'),
            'duplicate_request': _('Operations request %(request)s appears twice (line '
                                   '%(line)s).'),
            'produced_material': _('Operations request %(request)s must name exactly one '
                                   'material to produce (MaterialUse Produced); it names '
                                   '%(count)s.'),
            'no_quantity': _('Operations request %(request)s gives no quantity to produce.'),
            'bodid_reused': _('BODID %(bodid)s was already used for a different message.'),
            'unknown_lot': _('No lot %(detail)s is known here.'),
        }
        text = texts.get(error.code)
        if text is None:
            return str(error)
        params.setdefault('line', '?')
        params.setdefault('path', '/')
        params.setdefault('detail', '')
        try:
            return text % params
        except (KeyError, ValueError):
            return text

    # -- GetMaterialLot -> ShowMaterialLot -------------------------------------------------------
    def _mes_show_material_lot(self, root, header):
        Lot = self.env['stock.lot']
        lots = Lot
        for lot_name, product_code in b2mml.read_get_material_lot(root):
            domain = [('name', '=', lot_name)]
            if product_code:
                domain.append(('product_id.default_code', '=', product_code))
            found = Lot.search(domain)  # as the API user: its companies, its rights
            if not found:
                return self._mes_refusal(404, b2mml.B2mmlError('unknown_lot', detail=lot_name))
            lots |= found
        body = b2mml.show_material_lot(self._mes_sender(), fields.Datetime.now(),
                                       header['area'], [lot._mes_b2mml_lot() for lot in lots])
        return 200, 'application/xml', body

    # -- ProcessOperationsSchedule -> AcknowledgeOperationsSchedule ------------------------------
    def _mes_process_schedule(self, data, root, header):
        # scheduling is the planner's call (an operator's key may read lots, not plan)
        if not self.env.user.has_group('mrp.group_mrp_manager'):
            raise AccessError(_('Only a manufacturing planner (Manufacturing: Administrator) '
                                'schedules orders.'))
        self.env['mrp.production'].check_access('create')
        digest = hashlib.sha256(data).hexdigest()
        known = self.sudo().search([('bodid', '=', header['bodid'])], limit=1)
        if known:
            return self._mes_repeat(known, digest, header)
        try:
            schedule = b2mml.read_operations_schedule(root)
        except b2mml.B2mmlError as error:
            return self._mes_refusal(422, error)
        try:
            with self.env.cr.savepoint():
                message = self._mes_claim(header, digest)
                if message is None:  # a twin committed meanwhile, visible now
                    known = self.sudo().search([('bodid', '=', header['bodid'])], limit=1)
                    return self._mes_repeat(known, digest, header)
                # one memo of rules and BoMs for the batch (see stock.rule._search_rule)
                results, productions = self.with_context(
                    mes_batch_memo={})._mes_schedule_orders(schedule)
                if any(not result['accepted'] for result in results):
                    raise _Refused(results)
                answer = b2mml.acknowledge_operations_schedule(
                    self._mes_sender(), fields.Datetime.now(), header['area'],
                    schedule['schedule_id'], results)
                message.sudo().with_context(mes_b2mml_receiving=True).write({
                    'request_document': data.decode('utf-8', 'replace'),
                    'response_document': answer.decode(),
                    'production_ids': [(6, 0, productions.ids)],
                })
        except _Refused as refused:
            results = refused.args[0]
            for result in results:
                if result['accepted']:
                    result.update(accepted=False, code='not_processed', description=_(
                        'Not processed: the message is refused as a whole, see the other '
                        'requests.'))
            answer = b2mml.acknowledge_operations_schedule(
                self._mes_sender(), fields.Datetime.now(), header['area'],
                schedule['schedule_id'], results)
            return 422, 'application/xml', answer
        return 200, 'application/xml', answer

    def _mes_repeat(self, known, digest, header):
        if known.content_sha256 != digest:
            return self._mes_refusal(409, b2mml.B2mmlError('bodid_reused',
                                                           bodid=header['bodid']))
        return 200, 'application/xml', known.response_document.encode()

    def _mes_claim(self, header, digest):
        """Take the BODID (or None when it is taken). A twin message still being processed by
        another request makes this one wait; under repeatable read PostgreSQL then refuses it
        with a serialization failure, and Odoo retries the request, which finds the answer."""
        now = fields.Datetime.now()
        self.env.cr.execute("""
            INSERT INTO mes_b2mml_message (bodid, message_name, sender, received, user_id,
                                           company_id, content_sha256, create_uid, create_date,
                                           write_uid, write_date)
            VALUES (%(bodid)s, %(name)s, %(sender)s, %(now)s, %(uid)s, %(company)s,
                    %(digest)s, %(uid)s, %(now)s, %(uid)s, %(now)s)
            ON CONFLICT (bodid) DO NOTHING
            RETURNING id
        """, {'bodid': header['bodid'], 'name': header['name'], 'sender': header['sender'],
              'now': now, 'uid': self.env.uid, 'company': self.env.company.id,
              'digest': digest})
        row = self.env.cr.fetchone()
        return self.browse(row[0]) if row else None

    def _mes_schedule_orders(self, schedule):
        """Create or update one manufacturing order per operations request, as the API user.
        Returns (results for the acknowledgement, the orders)."""
        Production = self.env['mrp.production']
        results, to_create, requests_created, updated = [], [], [], Production
        products, boms = {}, {}
        existing_orders = {production.mes_external_ref: production for production in
                           Production.search([
                               ('mes_external_ref', 'in', [r['id'] for r in
                                                           schedule['requests']]),
                               ('company_id', '=', self.env.company.id)])}
        picking_type = Production._get_default_picking_type_id(self.env.company.id)
        for request in schedule['requests']:
            result = {'id': request['id'], 'accepted': True, 'code': None,
                      'definition_id': request['definition_id'],
                      'segment_id': request['segment_id'],
                      'process_segment_id': request['process_segment_id']}
            results.append(result)
            try:
                vals = self._mes_order_values(request, products, boms)
                existing = existing_orders.get(request['id'])
                if existing:
                    self._mes_update_order(existing, request, vals)
                    updated |= existing
                    result['description'] = _('Manufacturing order %(name)s updated.',
                                              name=existing.name)
                else:
                    if picking_type:
                        vals['picking_type_id'] = picking_type
                    to_create.append(vals)
                    requests_created.append(result)
            except UserError as error:
                result.update(accepted=False, code=error.args[1] if len(error.args) > 1
                              else 'refused', description=error.args[0])
        if any(not result['accepted'] for result in results):
            return results, Production
        try:
            created = self._mes_create_orders(to_create)
            created.action_confirm()
        except UserError as error:  # a rule of the orders themselves: nothing is made
            for result in requests_created:
                result.update(accepted=False, code='refused', description=error.args[0])
            return results, Production
        for result, production in zip(requests_created, created):
            result['description'] = _('Manufacturing order %(name)s created.',
                                      name=production.name)
        return results, created | updated

    def _mes_create_orders(self, vals_list):
        """Odoo's manufacturing orders, made in one batch. Inside ``create`` Odoo makes the
        moves and work orders of each order one order at a time, recomputing the order as each
        appears (a schedule of 1,000 orders took two minutes); here the orders are created
        first and their moves and work orders after, each kind in one ``create``, with Odoo's
        own values (``_get_moves_raw_values``, ``_get_moves_finished_values``, and the work
        orders as ``_compute_workorder_ids`` makes them)."""
        for vals in vals_list:
            vals.update(move_raw_ids=[], move_finished_ids=[], workorder_ids=[])
        productions = self.env['mrp.production'].create(vals_list)
        # the work orders set the planned end; Odoo would then remake each order's finished
        # moves one by one (ignore_mo_ids: not these), made once below with the final dates
        env = self.env(context=dict(self.env.context, ignore_mo_ids=productions.ids))
        operations = {}
        env['mrp.workorder'].create([
            dict(values, production_id=production.id) for production in productions
            for values in self._mes_workorder_values(production, operations)])
        env.flush_all()
        env['stock.move'].create([
            values for production in productions.with_env(env)
            for values in production._get_moves_raw_values()
            + production._get_moves_finished_values()])
        env.flush_all()
        return productions

    def _mes_workorder_values(self, production, cache):
        """The work orders Odoo's ``mrp.production._compute_workorder_ids`` makes for a new
        order (the same exploded BoMs, the same operations skipped)."""
        key = (production.bom_id.id, production.product_id.id,
               production.never_product_template_attribute_value_ids.ids)
        key = (key[0], key[1], tuple(key[2]))
        if key not in cache:
            bom = production.bom_id
            exploded, _lines = bom.explode(
                production.product_id, 1.0, picking_type=bom.picking_type_id,
                never_attribute_values=production.never_product_template_attribute_value_ids)
            operations = []
            for sub_bom, data in exploded:
                if not (sub_bom.operation_ids and (
                        not data['parent_line']
                        or data['parent_line'].bom_id.operation_ids != sub_bom.operation_ids)):
                    continue
                product = data['product'] if not data['parent_line'] else \
                    data['parent_line']['product_id']
                operations += [operation for operation in sub_bom.operation_ids
                               if not operation._skip_operation_line(
                                   product, production.never_product_template_attribute_value_ids)]
            cache[key] = operations
        return [{'name': operation.name, 'workcenter_id': operation.workcenter_id.id,
                 'product_uom_id': production.product_uom_id.id, 'operation_id': operation.id,
                 'state': 'ready'} for operation in cache[key]]

    def _mes_order_values(self, request, products, boms):
        Product = self.env['product.product']
        code = request['product_code']
        if code not in products:
            products[code] = Product.search([('default_code', '=', code)], limit=2)
        product = products[code]
        if not product:
            raise _RequestError(_('Operations request %(request)s: no product has the '
                                  'internal reference "%(code)s".',
                                  request=request['id'], code=code), 'unknown_product')
        if len(product) > 1:
            raise _RequestError(_('Operations request %(request)s: several products have the '
                                  'internal reference "%(code)s".',
                                  request=request['id'], code=code), 'ambiguous_product')
        key = (product.id, request['definition_id'], request['definition_version'])
        if key not in boms:
            boms[key] = self._mes_find_master_record(request, product)
        bom = boms[key]
        vals = {'product_id': product.id, 'product_qty': request['quantity'],
                'product_uom_id': product.uom_id.id, 'bom_id': bom.id,
                'mes_external_ref': request['id'],
                'origin': request['id'],
                'priority': '1' if request['priority'] == 1 else '0'}
        if request['uom'] and request['uom'].lower() != product.uom_id.name.lower():
            uom = self.env['uom.uom'].search([('name', '=ilike', request['uom'])], limit=1)
            if not uom or not product.uom_id._has_common_reference(uom):
                raise _RequestError(_('Operations request %(request)s: the unit "%(uom)s" '
                                      'does not measure %(product)s.', request=request['id'],
                                      uom=request['uom'], product=product.display_name),
                                    'unknown_uom')
            vals['product_uom_id'] = uom.id
        if request['start']:
            vals['date_start'] = request['start']
        if request['end']:
            vals['date_deadline'] = request['end']
        return vals

    def _mes_find_master_record(self, request, product):
        """The approved BoM version the request names (OperationsDefinitionID = the BoM
        reference, with the version as a segment parameter), or the product's approved one."""
        Bom = self.env['mrp.bom']
        domain = [('product_tmpl_id', '=', product.product_tmpl_id.id),
                  '|', ('product_id', '=', False), ('product_id', '=', product.id)]
        if request['definition_id']:
            domain.append(('code', '=', request['definition_id']))
        if request['definition_version']:
            domain.append(('mes_version', '=', request['definition_version']))
        candidates = Bom.with_context(active_test=False).search(
            domain, order='mes_version desc, id desc')
        if request['definition_version'] or request['definition_id']:
            if not candidates:
                raise _RequestError(_(
                    'Operations request %(request)s: %(product)s has no bill of materials '
                    '"%(bom)s" version %(version)s.', request=request['id'],
                    product=product.display_name, bom=request['definition_id'] or '',
                    version=request['definition_version'] or '-'), 'unknown_bom')
        approved = candidates.filtered(lambda b: b.mes_approval_state == 'approved' and b.active)
        if not approved:
            raise _RequestError(_(
                'Operations request %(request)s: no approved master record (bill of materials) '
                'of %(product)s matches; only an approved version can be made.',
                request=request['id'], product=product.display_name), 'bom_not_approved')
        return approved[0]

    def _mes_update_order(self, production, request, vals):
        if production.state not in ('draft', 'confirmed') or production.mes_release_date:
            raise _RequestError(_(
                'Operations request %(request)s: manufacturing order %(name)s is already on the '
                'shop floor; it can no longer be changed by a schedule.',
                request=request['id'], name=production.name), 'order_in_progress')
        if production.product_id.id != vals['product_id'] or production.bom_id.id != vals[
                'bom_id']:
            raise _RequestError(_(
                'Operations request %(request)s: manufacturing order %(name)s makes another '
                'product or version; cancel it and send a new request.',
                request=request['id'], name=production.name), 'order_changed')
        if production.product_qty != vals['product_qty'] or \
                production.product_uom_id.id != vals['product_uom_id']:
            if production.state == 'draft':
                production.write({'product_qty': vals['product_qty'],
                                  'product_uom_id': vals['product_uom_id']})
            else:
                wizard = self.env['change.production.qty'].create({
                    'mo_id': production.id, 'product_qty': vals['product_qty']})
                wizard.change_prod_qty()
        production.write({key: vals[key] for key in ('date_start', 'date_deadline', 'priority')
                          if key in vals})


class _RequestError(UserError):
    """One operations request that cannot be carried out: (message, code)."""

    def __init__(self, message, code):
        super().__init__(message)
        self.args = (message, code)
