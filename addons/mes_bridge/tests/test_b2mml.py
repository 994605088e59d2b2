import json
import uuid

from lxml import etree

from odoo.addons.mes_bridge.lib import b2mml
from odoo.exceptions import UserError
from odoo.tests import BaseCase, Form, HttpCase, tagged

from .common import MesCase

NS = {'b': b2mml.NS}


def schedule_xml(requests, bodid=None, sender='CORP-ERP'):
    """A ProcessOperationsSchedule as a planning system sends it. ``requests``: dicts with
    id, product, qty and optionally uom, bom, version, start, end, priority."""
    parts = []
    for request in requests:
        bom = request.get('bom')
        version = request.get('version')
        parts.append(f"""
      <OperationsRequest>
        <ID>{request['id']}</ID>
        <Description>Order {request['id']}</Description>
        <StartTime>{request.get('start', '2026-12-10T08:00:00Z')}</StartTime>
        <EndTime>{request.get('end', '2026-12-11T16:00:00+01:00')}</EndTime>
        <Priority>{request.get('priority', 5)}</Priority>
        {'<OperationsDefinitionID>%s</OperationsDefinitionID>' % bom if bom else ''}
        <SegmentRequirement>
          <ID>{request['id']}-SR1</ID>
          <ProcessSegmentID>MAKE</ProcessSegmentID>
          <OperationsDefinitionID>{bom or 'any'}</OperationsDefinitionID>
          <OperationsSegmentID>{bom or 'any'}</OperationsSegmentID>
          {'''<SegmentParameter><ID>OperationsDefinitionVersion</ID>
             <Value><ValueString>%s</ValueString><DataType>string</DataType></Value>
          </SegmentParameter>''' % version if version else ''}
          <MaterialRequirement>
            <ID>{request['id']}-OUT</ID>
            <MaterialDefinitionID>{request['product']}</MaterialDefinitionID>
            <MaterialUse>Produced</MaterialUse>
            <Quantity><QuantityString>{request['qty']}</QuantityString>
              <DataType>decimal</DataType>
              {'<UnitOfMeasure>%s</UnitOfMeasure>' % request['uom'] if request.get('uom')
               else ''}
            </Quantity>
          </MaterialRequirement>
        </SegmentRequirement>
      </OperationsRequest>""")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ProcessOperationsSchedule xmlns="http://www.mesa.org/xml/B2MML" releaseID="0700">
  <ApplicationArea>
    <Sender><LogicalID>{sender}</LogicalID></Sender>
    <CreationDateTime>2026-12-03T06:30:00Z</CreationDateTime>
    <BODID>{bodid or uuid.uuid4()}</BODID>
  </ApplicationArea>
  <DataArea>
    <Process acknowledgeCode="Always"/>
    <OperationsSchedule>
      <ID>WEEK-49</ID>{''.join(parts)}
    </OperationsSchedule>
  </DataArea>
</ProcessOperationsSchedule>""".encode()


def get_material_lot_xml(*lots):
    items = ''.join('<MaterialLot><ID>%s</ID></MaterialLot>' % lot for lot in lots)
    return f"""<GetMaterialLot xmlns="http://www.mesa.org/xml/B2MML" releaseID="0700">
  <ApplicationArea><Sender><LogicalID>CORP-ERP</LogicalID></Sender>
    <CreationDateTime>2026-12-03T06:30:00Z</CreationDateTime><BODID>{uuid.uuid4()}</BODID>
  </ApplicationArea>
  <DataArea><Get/>{items}</DataArea>
</GetMaterialLot>""".encode()


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE ProcessOperationsSchedule [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<ProcessOperationsSchedule xmlns="http://www.mesa.org/xml/B2MML" releaseID="0700">
  <ApplicationArea><CreationDateTime>2026-12-03T06:30:00Z</CreationDateTime>
    <BODID>&secret;</BODID></ApplicationArea>
</ProcessOperationsSchedule>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<GetMaterialLot xmlns="http://www.mesa.org/xml/B2MML">&lol3;</GetMaterialLot>"""


def valid(document):
    """Raise unless ``document`` (bytes or str) is valid B2MML v7: the shipped schemas."""
    if isinstance(document, str):
        document = document.encode()
    root = etree.fromstring(document, etree.XMLParser(resolve_entities=False,
                                                      no_network=True))
    b2mml.validate(root)
    return root


@tagged('post_install', '-at_install')
class TestB2mmlMessages(BaseCase):
    """The plain B2MML module: what it accepts, refuses and builds."""

    def test_safe_parsing_refuses_entities_and_dtds(self):
        for data in (XXE, BILLION_LAUGHS):
            with self.assertRaises(b2mml.B2mmlError) as caught:
                b2mml.read(data)
            self.assertEqual(caught.exception.code, 'doctype')
            self.assertNotIn('root:', str(caught.exception))
        for data, code in ((b'', 'empty'), (b'<ProcessOperationsSchedule', 'malformed'),
                           (b'<x xmlns="urn:other"/>', 'unsupported')):
            with self.assertRaises(b2mml.B2mmlError) as caught:
                b2mml.read(data)
            self.assertEqual(caught.exception.code, code)

    def test_schema_errors_name_the_line_and_the_element(self):
        data = schedule_xml([{'id': 'PO-1', 'product': 'P', 'qty': 5},
                             {'id': 'PO-2', 'product': 'P', 'qty': 5, 'priority': 'high'}])
        with self.assertRaises(b2mml.B2mmlError) as caught:
            b2mml.read(data)
        error = caught.exception
        self.assertEqual(error.code, 'schema')
        self.assertEqual(error.params['path'], '/ProcessOperationsSchedule/DataArea/'
                         'OperationsSchedule/OperationsRequest[2]/Priority')
        line = data.decode().splitlines()[error.params['line'] - 1]
        self.assertIn('<Priority>high</Priority>', line)

    def test_times_need_a_zone_and_quantities_a_number(self):
        data = schedule_xml([{'id': 'PO-1', 'product': 'P', 'qty': 5,
                              'start': '2026-12-10T08:00:00'}])
        root, _header = b2mml.read(data)
        with self.assertRaises(b2mml.B2mmlError) as caught:
            b2mml.read_operations_schedule(root)
        self.assertEqual(caught.exception.code, 'time_zone')
        root, _header = b2mml.read(schedule_xml([{'id': 'PO-1', 'product': 'P', 'qty': 'NaN'}]))
        with self.assertRaises(b2mml.B2mmlError):
            b2mml.read_operations_schedule(root)
        root, _header = b2mml.read(schedule_xml([{'id': 'PO-1', 'product': 'P', 'qty': 5,
                                                  'version': 2, 'bom': 'B'}]))
        request = b2mml.read_operations_schedule(root)['requests'][0]
        self.assertEqual((request['definition_id'], request['definition_version'],
                          request['quantity'], str(request['end'])),
                         ('B', 2, 5.0, '2026-12-11 15:00:00'))

    def test_what_we_build_validates_and_what_cannot_be_built_is_refused(self):
        root, header = b2mml.read(get_material_lot_xml('L1'))
        now = b2mml.datetime.datetime(2026, 12, 3, 10, 0)
        lot = {'id': 'L1', 'product_code': 'P', 'status': 'on_hold', 'quantity': 2.5,
               'uom': 'kg', 'parents': [('L0', 'R')]}
        shown = valid(b2mml.show_material_lot('MES', now, header['area'], [lot]))
        self.assertEqual(shown.findtext('.//b:Disposition', namespaces=NS), 'Restricted')
        self.assertEqual(shown.findtext('.//b:AssemblyLot/b:ID', namespaces=NS), 'L0')
        with self.assertRaises(b2mml.B2mmlError) as caught:
            b2mml.show_material_lot('MES', now, header['area'], [dict(lot, id='L\x01')])
        self.assertEqual(caught.exception.code, 'outbound_invalid')
        with self.assertRaises(b2mml.B2mmlError) as caught:  # built, but not valid: not sent
            b2mml.finish(etree.fromstring(b'<ShowMaterialLot xmlns="%s"/>' % b2mml.NS.encode()))
        self.assertEqual(caught.exception.code, 'outbound_invalid')


class B2mmlCase(MesCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.syringe.default_code = 'SYR-5-TEST'
        cls.erp_user = cls.planner
        cls.Message = cls.env['mes.b2mml.message']

    def receive(self, data, user=None):
        return self.Message.with_user(user or self.erp_user)._mes_receive(data)

    def orders(self, *refs):
        return self.env['mrp.production'].search([('mes_external_ref', 'in', list(refs))])

    def ack(self, body):
        root = valid(body)
        return {expression.text.split("'")[1]: (expression.get('actionCode'), status.findtext(
            'b:Description', namespaces=NS), status.findtext('b:ReasonCode', namespaces=NS))
            for expression, status in zip(
                root.iterfind('.//b:ResponseExpression', namespaces=NS),
                root.iterfind('.//b:ResponseCriteria/b:ChangeStatus', namespaces=NS))}


@tagged('post_install', '-at_install')
class TestB2mmlSchedule(B2mmlCase):

    def test_a_schedule_becomes_orders_once(self):
        data = schedule_xml([
            {'id': 'PO-100', 'product': 'SYR-5-TEST', 'qty': 20, 'bom': 'SYR5', 'version': 1,
             'priority': 1},
            {'id': 'PO-101', 'product': 'SYR-5-TEST', 'qty': 30}])
        status, content_type, body = self.receive(data)
        self.assertEqual((status, content_type), (200, 'application/xml'), body)
        answer = self.ack(body)
        first, second = self.orders('PO-100').sorted('id'), self.orders('PO-101')
        self.assertEqual(answer['PO-100'][0], 'Accepted')
        self.assertIn(first.name, answer['PO-100'][1])
        self.assertEqual((first.product_qty, first.bom_id, first.state, first.priority,
                          str(first.date_deadline)),
                         (20, self.bom, 'confirmed', '1', '2026-12-11 15:00:00'))
        self.assertEqual((second.product_qty, second.bom_id, second.priority), (30, self.bom, '0'))
        self.assertEqual(len(first.workorder_ids), 2)
        # the same message again (a retry after a lost answer): the same answer, no new order
        self.assertEqual(self.receive(data), (status, content_type, body))
        self.assertEqual(len(self.orders('PO-100', 'PO-101')), 2)
        message = self.Message.search([('production_ids', 'in', first.ids)])
        self.assertEqual(len(message), 1)
        self.assertEqual((message.sender, message.user_id), ('CORP-ERP', self.erp_user))
        # the same BODID on other content is refused, and changes nothing
        bodid = etree.fromstring(data).findtext('.//b:BODID', namespaces=NS)
        other = schedule_xml([{'id': 'PO-100', 'product': 'SYR-5-TEST', 'qty': 99}], bodid=bodid)
        status, _type, body = self.receive(other)
        self.assertEqual((status, json.loads(body)['error']['code']), (409, 'bodid_reused'))
        self.assertEqual(first.product_qty, 20)

    def test_orders_are_made_as_odoo_makes_them(self):
        """The batch path (moves and work orders made for all orders at once) gives the
        orders Odoo's own create and confirm give."""
        status, _type, body = self.receive(schedule_xml([
            {'id': 'PO-150', 'product': 'SYR-5-TEST', 'qty': 20,
             'start': '2026-12-10T08:00:00Z', 'end': '2026-12-12T18:00:00Z'}]))
        self.assertEqual(status, 200, body)
        ours = self.orders('PO-150')
        odoo = self.env['mrp.production'].create({
            'product_id': self.syringe.id, 'product_qty': 20, 'bom_id': self.bom.id,
            'date_start': '2026-12-10 08:00:00', 'date_deadline': '2026-12-12 18:00:00',
            'priority': '0', 'origin': 'PO-150'})
        odoo.action_confirm()

        def made(production):
            moves = sorted((m.product_id.id, m.product_uom_qty, m.product_uom.id,
                            m.location_id.id, m.location_dest_id.id, m.location_final_id.id,
                            m.date, m.date_deadline, m.picking_type_id.id, m.warehouse_id.id,
                            m.bom_line_id.id, m.operation_id.id, m.workorder_id.operation_id.id,
                            m.state, m.procure_method, bool(m.raw_material_production_id),
                            bool(m.production_id), m.byproduct_id.id, m.quantity)
                           for m in production.move_raw_ids | production.move_finished_ids)
            workorders = sorted((w.name, w.workcenter_id.id, w.operation_id.id, w.state,
                                 w.duration_expected, w.sequence, w.product_uom_id.id,
                                 w.date_start, w.date_finished, w.qty_production)
                                for w in production.workorder_ids)
            return (moves, workorders, production.state, production.date_start,
                    production.date_finished, production.reservation_state,
                    production.components_availability_state)

        self.assertEqual(made(ours), made(odoo))

    def test_a_new_message_updates_an_order_until_it_is_released(self):
        self.receive(schedule_xml([{'id': 'PO-200', 'product': 'SYR-5-TEST', 'qty': 10}]))
        order = self.orders('PO-200')
        status, _type, body = self.receive(schedule_xml([
            {'id': 'PO-200', 'product': 'SYR-5-TEST', 'qty': 40,
             'start': '2026-12-12T07:00:00Z'}]))
        self.assertEqual(status, 200, body)
        self.assertEqual((order.product_qty, str(order.date_start)), (40, '2026-12-12 07:00:00'))
        self.assertEqual(len(self.orders('PO-200')), 1)
        self.assertEqual(sum(order.move_raw_ids.filtered(
            lambda m: m.product_id == self.stopper).mapped('product_uom_qty')), 40)
        order.with_user(self.supervisor).action_mes_release()
        status, _type, body = self.receive(schedule_xml([
            {'id': 'PO-200', 'product': 'SYR-5-TEST', 'qty': 50}]))
        self.assertEqual(status, 422)
        self.assertEqual(self.ack(body)['PO-200'][2], 'order_in_progress')
        self.assertEqual(order.product_qty, 40)

    def test_unknown_product_bom_or_unit_refuses_the_whole_message(self):
        before = self.env['mrp.production'].search_count([])
        messages_before = self.Message.sudo().search_count([])
        status, _type, body = self.receive(schedule_xml([
            {'id': 'PO-300', 'product': 'SYR-5-TEST', 'qty': 10},
            {'id': 'PO-301', 'product': 'NO-SUCH-PRODUCT', 'qty': 10},
            {'id': 'PO-302', 'product': 'SYR-5-TEST', 'qty': 10, 'bom': 'SYR5', 'version': 7},
            {'id': 'PO-303', 'product': 'SYR-5-TEST', 'qty': 10, 'uom': 'kg'}]))
        self.assertEqual(status, 422)
        answer = self.ack(body)
        self.assertEqual({ref: (action, code) for ref, (action, _d, code) in answer.items()}, {
            'PO-300': ('Rejected', 'not_processed'), 'PO-301': ('Rejected', 'unknown_product'),
            'PO-302': ('Rejected', 'unknown_bom'), 'PO-303': ('Rejected', 'unknown_uom')})
        self.assertIn('NO-SUCH-PRODUCT', answer['PO-301'][1])
        self.assertEqual(self.env['mrp.production'].search_count([]), before)
        self.assertEqual(self.Message.sudo().search_count([]), messages_before)

    def test_an_unapproved_master_record_is_not_scheduled(self):
        draft = self.bom.copy({'code': 'SYR5-DRAFT'})
        self.assertEqual(draft.mes_approval_state, 'draft')
        status, _type, body = self.receive(schedule_xml([
            {'id': 'PO-400', 'product': 'SYR-5-TEST', 'qty': 10, 'bom': 'SYR5-DRAFT'}]))
        self.assertEqual(status, 422)
        self.assertEqual(self.ack(body)['PO-400'][2], 'bom_not_approved')
        self.assertFalse(self.orders('PO-400'))


@tagged('post_install', '-at_install')
class TestB2mmlAdversarial(B2mmlCase):

    def refused(self, data, status, code, user=None):
        before = self.env['mrp.production'].search_count([])
        messages = self.Message.sudo().search_count([])
        got_status, content_type, body = self.receive(data, user)
        self.assertEqual((got_status, content_type), (status, 'application/json'), body)
        error = json.loads(body)['error']
        self.assertEqual(error['code'], code)
        self.assertEqual(self.env['mrp.production'].search_count([]), before)
        self.assertEqual(self.Message.sudo().search_count([]), messages)
        return error

    def test_malformed_xxe_and_schema_invalid_messages_create_nothing(self):
        error = self.refused(b'<ProcessOperationsSchedule xmlns="http://www.mesa.org/xml/B2MML"'
                             b'>\n<ApplicationArea>', 400, 'malformed')
        self.assertIn('line 2', error['message'])
        error = self.refused(XXE, 400, 'doctype')
        self.assertNotIn('root:', json.dumps(error))
        self.refused(BILLION_LAUGHS, 400, 'doctype')
        data = schedule_xml([{'id': 'PO-500', 'product': 'SYR-5-TEST', 'qty': 10}])
        invalid = data.replace(b'<ID>PO-500</ID>', b'')
        error = self.refused(invalid, 400, 'schema')
        self.assertEqual(error['path'], '/ProcessOperationsSchedule/DataArea/'
                                        'OperationsSchedule/OperationsRequest/Description')
        line = 1 + invalid.decode().splitlines().index('        <Description>Order PO-500</Description>')
        self.assertEqual(error['line'], line)
        self.assertIn('line %d' % line, error['message'])
        self.refused(data.replace(b'2026-12-10T08:00:00Z', b'2026-12-10T08:00:00'), 422,
                     'time_zone')
        self.refused(data.replace(b'<BODID>', b'<Xx>').replace(b'</BODID>', b'</Xx>'), 400,
                     'schema')
        no_bodid = etree.fromstring(data)
        bodid = no_bodid.find('.//b:BODID', namespaces=NS)
        bodid.getparent().remove(bodid)
        self.refused(etree.tostring(no_bodid), 400, 'no_bodid')
        self.refused(data.replace(b'ProcessOperationsSchedule', b'SyncOperationsSchedule'),
                     400, 'unsupported')

    def test_only_a_planner_schedules_and_only_in_its_companies(self):
        data = schedule_xml([{'id': 'PO-600', 'product': 'SYR-5-TEST', 'qty': 10}])
        self.refused(data, 403, 'access', user=self.operator)
        # another company's product is unknown to this company's planner
        other = self.env['res.company'].create({'name': 'Other Plant (test)'})
        self.syringe.product_tmpl_id.company_id = other
        status, _type, body = self.receive(data)
        self.assertEqual((status, self.ack(body)['PO-600'][2]), (422, 'unknown_product'))
        self.assertFalse(self.orders('PO-600'))

    def test_received_messages_cannot_be_forged_or_changed(self):
        self.receive(schedule_xml([{'id': 'PO-700', 'product': 'SYR-5-TEST', 'qty': 10}]))
        message = self.Message.sudo().search([], limit=1)
        for user in (self.planner, self.env.ref('base.user_admin')):
            Message = self.Message.with_user(user).sudo()
            with self.assertRaises(UserError):
                Message.create({'bodid': 'forged', 'message_name': 'X'})
            with self.assertRaises(UserError):
                message.with_user(user).sudo().write({'response_document': 'forged'})
            with self.assertRaises(UserError):
                message.with_user(user).sudo().unlink()
        with self.assertRaises(UserError):  # the context key alone is not enough
            message.with_user(self.planner).with_context(mes_b2mml_receiving=True).write(
                {'response_document': 'forged'})
        self.assertNotIn('forged', message.response_document)

    def test_get_material_lot_answers_what_the_user_may_see(self):
        status, content_type, body = self.receive(get_material_lot_xml('STP-002'),
                                                  user=self.inspector)
        self.assertEqual((status, content_type), (200, 'application/xml'), body)
        lot = valid(body).find('.//b:MaterialLot', namespaces=NS)
        self.assertEqual((lot.findtext('b:ID', namespaces=NS),
                          lot.findtext('b:Status', namespaces=NS),
                          lot.findtext('b:Disposition', namespaces=NS),
                          lot.findtext('b:Quantity/b:QuantityString', namespaces=NS)),
                         ('STP-002', 'quarantine', 'Restricted', '500'))
        self.refused(get_material_lot_xml('NO-SUCH-LOT'), 404, 'unknown_lot')
        other = self.env['res.company'].create({'name': 'Other Plant (test)'})
        self.env['stock.lot'].create({'name': 'FOREIGN-1', 'product_id': self.stopper.id,
                                      'company_id': other.id})
        self.refused(get_material_lot_xml('FOREIGN-1'), 404, 'unknown_lot')


@tagged('post_install', '-at_install')
class TestB2mmlOutbound(B2mmlCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        admin = cls.env.ref('base.user_admin')
        admin.group_ids |= cls.env.ref('mes_bridge.group_mes_admin')
        Type = cls.env['mes.event.type']
        cls.erp_b2mml = cls.env['mes.event.subscription'].with_user(admin).create({
            'name': 'Corporate ERP (B2MML)', 'destination': 'webhook', 'message_format': 'b2mml',
            'url': 'https://erp.example.com/b2mml', 'event_type_ids': [(6, 0, Type.search([
                ('code', 'in', ('production.done', 'lot.release_state_changed'))]).ids)]})
        cls.admin = admin

    def b2mml_of(self, event_type, since):
        self.env.cr.flush()
        event = self.env['mes.event'].search([('event_type', '=', event_type),
                                              ('id', '>', since)])
        self.assertEqual(len(event), 1)
        self.assertFalse(event.b2mml_error)
        self.assertEqual(event.delivery_ids.subscription_id, self.erp_b2mml)
        return event, valid(event.b2mml_document)

    def last_event(self):
        return self.env['mes.event'].search([], limit=1).id

    def test_round_trip_schedule_to_performance(self):
        status, _type, body = self.receive(schedule_xml([
            {'id': 'PO-800', 'product': 'SYR-5-TEST', 'qty': 10, 'bom': 'SYR5', 'version': 1}]))
        self.assertEqual(status, 200, body)
        production = self.orders('PO-800')
        production.with_user(self.supervisor).action_mes_release()
        molding, assembly = self.workorders(production)
        self.run_molding(molding)
        molding.with_user(self.operator).button_finish()
        self.run_assembly(assembly)
        assembly.with_user(self.operator).button_finish()
        start = self.last_event()
        action = production.button_mark_done()
        if isinstance(action, dict) and action.get('res_model') == 'mrp.consumption.warning':
            Form(self.env['mrp.consumption.warning'].with_context(
                **action['context'])).save().action_confirm()
        self.assertEqual(production.state, 'done')
        event, root = self.b2mml_of('production.done', start)
        self.assertEqual(etree.QName(root).localname, 'SyncOperationsPerformance')
        self.assertEqual(root.findtext('.//b:BODID', namespaces=NS), event.uuid)
        response = root.find('.//b:OperationsResponse', namespaces=NS)
        self.assertEqual((response.findtext('b:ID', namespaces=NS),
                          response.findtext('b:OperationsRequestID', namespaces=NS),
                          response.findtext('b:OperationsDefinitionID', namespaces=NS),
                          response.findtext('b:ResponseState', namespaces=NS)),
                         (production.name, 'PO-800', 'SYR5', 'Completed'))
        segments = response.findall('b:SegmentResponse', namespaces=NS)
        self.assertEqual([s.findtext('b:ProcessSegmentID', namespaces=NS) for s in segments],
                         ['Moulding', 'Assembly'])
        moulding = segments[0]
        temperature = next(d for d in moulding.iterfind('b:SegmentData', namespaces=NS)
                           if d.findtext('b:ID', namespaces=NS) == 'Barrel temperature')
        self.assertEqual(temperature.findtext('b:Value/b:ValueString', namespaces=NS), '231.5')
        children = {c.findtext('b:ID', namespaces=NS): c.findtext('b:Value/b:ValueString',
                                                                 namespaces=NS)
                    for c in temperature.iterfind('b:SegmentDataChild', namespaces=NS)}
        self.assertEqual((children['Result'], children['LowLimit'], children['HighLimit']),
                         ('pass', '220', '240'))
        self.assertIn('mes_operator', [p.findtext('b:PersonID', namespaces=NS)
                                       for p in moulding.iterfind('b:PersonnelActual',
                                                                  namespaces=NS)])
        self.assertIn('MOULD-07', [e.findtext('b:EquipmentID', namespaces=NS)
                                   for e in moulding.iterfind('b:EquipmentActual',
                                                              namespaces=NS)])
        materials = [(m.findtext('b:MaterialUse', namespaces=NS),
                      m.findtext('b:MaterialLotID', namespaces=NS),
                      m.findtext('b:Quantity/b:QuantityString', namespaces=NS))
                     for m in response.iterfind('.//b:MaterialActual', namespaces=NS)]
        self.assertIn(('Consumed', 'RES-001', '0.5'), materials)
        self.assertIn(('Consumed', 'STP-001', '10'), materials)
        self.assertIn(('Produced', None, '10'), materials)

    def test_a_lot_release_is_a_sync_material_lot(self):
        start = self.last_event()
        self.stopper_lot_quarantine.with_user(self.qa_manager).write({
            'mes_release_state': 'released', 'mes_release_reason': 'CoA checked, IQC-778'})
        event, root = self.b2mml_of('lot.release_state_changed', start)
        self.assertEqual(etree.QName(root).localname, 'SyncMaterialLot')
        self.assertEqual((root.findtext('.//b:StateChange/b:FromStateCode', namespaces=NS),
                          root.findtext('.//b:StateChange/b:ToStateCode', namespaces=NS),
                          root.findtext('.//b:ChangeStatus/b:Reason', namespaces=NS),
                          root.findtext('.//b:MaterialLot/b:Disposition', namespaces=NS)),
                         ('quarantine', 'released', 'CoA checked, IQC-778', 'UnRestricted'))
        self.assertEqual(event.delivery_ids.state, 'pending')

    def test_a_message_that_would_not_validate_is_never_sent(self):
        lot = self.env['stock.lot'].create({'product_id': self.stopper.id,
                                            'name': 'STP-\x01-BAD'})
        start = self.last_event()
        lot.with_user(self.qa_manager).write({'mes_release_state': 'released'})
        self.env.cr.flush()
        event = self.env['mes.event'].search([('id', '>', start)])
        self.assertIn('not sent', event.b2mml_error)
        self.assertFalse(event.b2mml_document)
        self.assertEqual(event.delivery_ids.state, 'dead')
        self.assertEqual(event.delivery_ids.log_ids.outcome, 'failed')
        # a replay does not send it either: the dispatcher finds no message to send
        event.delivery_ids.with_user(self.admin).action_replay()
        self.env.flush_all()
        self.env.cr.execute("UPDATE mes_event_delivery SET next_attempt = now() - interval "
                            "'1 minute' WHERE id = %s", [event.delivery_ids.id])  # due now
        self.assertEqual(self.env['mes.event.delivery']._mes_dispatch_batch({}), 1)
        event.delivery_ids.invalidate_recordset()
        self.assertEqual(event.delivery_ids.state, 'dead')
        self.assertIn('not sent', event.delivery_ids.last_error)

    def test_a_b2mml_subscription_takes_only_types_that_have_a_message(self):
        Type = self.env['mes.event.type']
        with self.assertRaises(UserError):
            self.erp_b2mml.with_user(self.admin).event_type_ids |= Type.search(
                [('code', '=', 'step.recorded')])


@tagged('post_install', '-at_install')
class TestB2mmlHttp(HttpCase, MesCase):
    """``POST /mes/b2mml`` on the running server, with the planning system's API key."""

    def setUp(self):
        super().setUp()
        self.syringe.default_code = 'SYR-5-TEST'
        self.key = self.env['res.users.apikeys'].with_user(self.planner).sudo()._generate(
            None, 'Corporate ERP (test)', None)

    def post(self, data, key=None, content_type='application/xml'):
        headers = {'Content-Type': content_type}
        if key is not False:
            headers['Authorization'] = 'Bearer %s' % (key or self.key)
        return self.url_open('/mes/b2mml', data=data, headers=headers)

    def test_schedule_over_http(self):
        data = schedule_xml([{'id': 'HTTP-1', 'product': 'SYR-5-TEST', 'qty': 3}])
        response = self.post(data)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertTrue(response.headers['Content-Type'].startswith('application/xml'))
        valid(response.content)
        self.assertEqual(self.env['mrp.production'].search_count(
            [('mes_external_ref', '=', 'HTTP-1')]), 1)
        self.assertEqual(self.post(data).content, response.content)
        self.assertEqual(self.post(data, key=False).status_code, 401)
        self.assertEqual(self.post(data, key='not-a-key').status_code, 401)
        self.assertEqual(self.post(data, content_type='application/json').status_code, 415)
        refused = self.post(XXE)
        self.assertEqual((refused.status_code, refused.json()['error']['code']),
                         (400, 'doctype'))
