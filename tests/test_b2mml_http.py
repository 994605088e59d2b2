"""B2MML v7 over HTTP on a real server, as the corporate ERP sends it: the same message
posted several times at once (a retry storm after a timeout) is processed once."""
import threading
import uuid

import pytest
import requests
from lxml import etree

from odoo.addons.mes_bridge.lib import b2mml

NS = {'b': b2mml.NS}


@pytest.fixture(scope='module')
def erp(make_api_user):
    return make_api_user('b2mml_erp', ['mrp.group_mrp_manager'])


def schedule(bodid, refs, product_code, bom_code):
    requests_xml = ''.join(f"""
      <OperationsRequest><ID>{ref}</ID><StartTime>2026-12-14T06:00:00Z</StartTime>
        <EndTime>2026-12-15T18:00:00Z</EndTime><Priority>1</Priority>
        <OperationsDefinitionID>{bom_code}</OperationsDefinitionID>
        <SegmentRequirement><ID>{ref}-1</ID><ProcessSegmentID>MAKE</ProcessSegmentID>
          <OperationsDefinitionID>{bom_code}</OperationsDefinitionID>
          <OperationsSegmentID>{bom_code}</OperationsSegmentID>
          <MaterialRequirement><ID>{ref}-OUT</ID>
            <MaterialDefinitionID>{product_code}</MaterialDefinitionID>
            <MaterialUse>Produced</MaterialUse>
            <Quantity><QuantityString>250</QuantityString></Quantity>
          </MaterialRequirement>
        </SegmentRequirement>
      </OperationsRequest>""" for ref in refs)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ProcessOperationsSchedule xmlns="http://www.mesa.org/xml/B2MML" releaseID="0700">
  <ApplicationArea><Sender><LogicalID>CORP-ERP</LogicalID></Sender>
    <CreationDateTime>2026-12-03T06:00:00Z</CreationDateTime><BODID>{bodid}</BODID>
  </ApplicationArea>
  <DataArea><Process/><OperationsSchedule><ID>WEEK-50</ID>{requests_xml}
  </OperationsSchedule></DataArea>
</ProcessOperationsSchedule>""".encode()


def post(erp, data):
    return requests.post(erp.base_url + '/mes/b2mml', data=data, timeout=120, headers={
        'Authorization': erp.session.headers['Authorization'],
        'X-Odoo-Database': erp.session.headers['X-Odoo-Database'],
        'Content-Type': 'application/xml'})


def test_the_same_message_posted_at_once_is_processed_once(erp, admin_env):
    bom = erp.call('mrp.bom', 'search_read', domain=[
        ('code', '=', 'DMR-SYR-5ML'), ('mes_approval_state', '=', 'approved')],
        fields=['product_tmpl_id'])[0]
    product = erp.call('product.product', 'search_read', domain=[
        ('product_tmpl_id', '=', bom['product_tmpl_id'][0])], fields=['default_code'])[0]
    tag = uuid.uuid4().hex[:6].upper()
    refs = ['ERP-%s-%d' % (tag, i) for i in range(3)]
    bodid = str(uuid.uuid4())
    data = schedule(bodid, refs, product['default_code'], 'DMR-SYR-5ML')
    answers = [None] * 6
    start = threading.Barrier(len(answers))

    def send(index):
        start.wait()
        answers[index] = post(erp, data)
    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(answers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    assert [a.status_code for a in answers] == [200] * len(answers), [
        a.text[:500] for a in answers]
    assert len({a.content for a in answers}) == 1  # one answer, the same to every retry
    root = etree.fromstring(answers[0].content)
    b2mml.validate(root)
    assert root.findtext('.//b:OriginalApplicationArea/b:BODID', namespaces=NS) == bodid
    orders = erp.call('mrp.production', 'search_read', domain=[
        ('mes_external_ref', 'in', refs)], fields=['mes_external_ref', 'state', 'priority'])
    assert sorted(o['mes_external_ref'] for o in orders) == refs
    assert {(o['state'], o['priority']) for o in orders} == {('confirmed', '1')}
    messages = admin_env(lambda env: env['mes.b2mml.message'].search_count(
        [('bodid', '=', bodid)]))
    assert messages == 1


def test_a_lot_asked_for_is_shown(erp):
    lot = erp.call('stock.lot', 'search_read', domain=[('mes_release_state', '=', 'quarantine')],
                   fields=['name', 'product_id'], limit=1)[0]
    data = f"""<GetMaterialLot xmlns="http://www.mesa.org/xml/B2MML" releaseID="0700">
      <ApplicationArea><CreationDateTime>2026-12-03T06:00:00Z</CreationDateTime>
        <BODID>{uuid.uuid4()}</BODID></ApplicationArea>
      <DataArea><Get/><MaterialLot><ID>{lot['name']}</ID></MaterialLot></DataArea>
    </GetMaterialLot>""".encode()
    response = post(erp, data)
    assert response.status_code == 200, response.text
    root = etree.fromstring(response.content)
    b2mml.validate(root)
    shown = root.find('.//b:MaterialLot', namespaces=NS)
    assert shown.findtext('b:ID', namespaces=NS) == lot['name']
    assert shown.findtext('b:Status', namespaces=NS) == 'quarantine'
    assert shown.findtext('b:Disposition', namespaces=NS) == 'Restricted'
