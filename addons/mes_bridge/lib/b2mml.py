"""ISA-95 B2MML v7 messages in and out: safe parsing, validation against MESA's schemas (shipped
in ``schemas/b2mml``), reading the messages we accept and building the ones we send. Plain
Python with lxml, no ORM: the integration model and the outbox call it with plain values.

Messages:

- in  ``ProcessOperationsSchedule`` (orders to make) -> out ``AcknowledgeOperationsSchedule``
- in  ``GetMaterialLot`` (lots by ID) -> out ``ShowMaterialLot``
- out ``SyncOperationsPerformance`` (a production order done)
- out ``SyncMaterialLot`` (a lot's release state changed)

Errors are ``B2mmlError(code, **params)``; the caller words them (translated) from the code.
"""
import datetime
import os
import threading
import uuid
from decimal import Decimal, InvalidOperation

from lxml import etree

NS = 'http://www.mesa.org/xml/B2MML'
RELEASE_ID = '0700'  # B2MML v7
SCHEMA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          'schemas', 'b2mml')
SCHEMA_FILES = ('B2MML-OperationsSchedule.xsd', 'B2MML-Material.xsd',
                'B2MML-OperationsPerformance.xsd')
ACCEPTED = ('ProcessOperationsSchedule', 'GetMaterialLot')
MAX_BYTES = 20 * 1024 * 1024
# the release state of a lot -> ISA-95 material lot disposition
DISPOSITIONS = {'released': 'UnRestricted', 'quarantine': 'Restricted',
                'on_hold': 'Restricted', 'rejected': 'Restricted'}
# the name of the segment parameter carrying the master record (BoM) version: ISA-95 Part 2
# schedules have no element for the version of an operations definition
DEFINITION_VERSION = 'OperationsDefinitionVersion'

# Where our records meet B2MML (the data dictionary shows it): (model, field) -> element path
ELEMENT_MAP = {
    ('mrp.production', 'mes_external_ref'): 'OperationsRequest/ID; OperationsResponse/'
                                            'OperationsRequestID',
    ('mrp.production', 'name'): 'OperationsResponse/ID; OperationsPerformance/ID',
    ('mrp.production', 'product_id'): "MaterialRequirement[MaterialUse='Produced']/"
                                      "MaterialDefinitionID (the product's internal reference)",
    ('mrp.production', 'product_qty'): "MaterialRequirement[MaterialUse='Produced']/Quantity",
    ('mrp.production', 'product_uom_id'): 'Quantity/UnitOfMeasure',
    ('mrp.production', 'bom_id'): 'OperationsRequest/OperationsDefinitionID (the BoM '
                                  'reference)',
    ('mrp.production', 'mes_bom_version'): "SegmentParameter[ID='%s']/Value"
                                           % DEFINITION_VERSION,
    ('mrp.production', 'date_start'): 'OperationsRequest/StartTime; OperationsResponse/'
                                      'StartTime',
    ('mrp.production', 'date_deadline'): 'OperationsRequest/EndTime',
    ('mrp.production', 'date_finished'): 'OperationsResponse/EndTime',
    ('mrp.production', 'priority'): 'OperationsRequest/Priority (1 = urgent)',
    ('mrp.production', 'lot_producing_ids'): "MaterialActual[MaterialUse='Produced']/"
                                             "MaterialLotID",
    ('mrp.workorder', 'name'): 'SegmentResponse/ProcessSegmentID',
    ('mrp.workorder', 'date_start'): 'SegmentResponse/ActualStartTime',
    ('mrp.workorder', 'date_finished'): 'SegmentResponse/ActualEndTime',
    ('mrp.workorder', 'workcenter_id'): 'SegmentResponse/EquipmentActual/EquipmentID',
    ('mes.step.execution', 'name'): 'SegmentData/ID',
    ('mes.step.execution', 'value_entered'): 'SegmentData/Value/ValueString',
    ('mes.step.execution', 'uom_id'): 'SegmentData/Value/UnitOfMeasure',
    ('mes.step.execution', 'result'): "SegmentData/SegmentDataChild[ID='Result']",
    ('mes.step.execution', 'operator_id'): 'SegmentResponse/PersonnelActual/PersonID',
    ('mes.step.execution', 'lot_id'): "MaterialActual[MaterialUse='Consumed']/MaterialLotID",
    ('stock.lot', 'name'): 'MaterialLot/ID',
    ('stock.lot', 'product_id'): 'MaterialLot/MaterialDefinitionID',
    ('stock.lot', 'mes_release_state'): 'MaterialLot/Status; MaterialLot/Disposition',
    ('stock.lot', 'mes_release_reason'): 'ChangeStatus/Reason',
    ('stock.lot', 'expiration_date'): 'MaterialLot/EffectiveEndDate',
    ('stock.lot', 'product_qty'): 'MaterialLot/Quantity',
    ('mes.lot.link', 'from_lot_id'): 'MaterialLot/AssemblyLot/ID',
}


class B2mmlError(Exception):
    """``code``: malformed, doctype, too_large, schema, unsupported, no_bodid, value,
    outbound_invalid, ... ``params``: line, path, detail, request..."""

    def __init__(self, code, **params):
        super().__init__(code, params)
        self.code = code
        self.params = params

    def __str__(self):
        return '%s: %s' % (self.code, ', '.join('%s=%s' % item
                                                for item in sorted(self.params.items())))


# -- parsing and validation --------------------------------------------------------------------
_local = threading.local()


def schema():
    """One XMLSchema for the three message families, per thread (validation keeps its error
    log on the schema object). Loaded from the shipped files only: no network."""
    cached = getattr(_local, 'schema', None)
    if cached is None:
        wrapper = (
            '<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="%s" '
            'elementFormDefault="qualified">%s</xsd:schema>' % (NS, ''.join(
                '<xsd:include schemaLocation="%s"/>' % name for name in SCHEMA_FILES)))
        parser = etree.XMLParser(no_network=True, resolve_entities=False)
        document = etree.XML(wrapper.encode(), parser,
                             base_url=os.path.join(SCHEMA_DIR, 'wrapper.xsd'))
        cached = _local.schema = etree.XMLSchema(document)
    return cached


def parse(data):
    """The root element of an untrusted message. No DTD, no entities, no network (XXE)."""
    if not data or not data.strip():
        raise B2mmlError('empty')
    if len(data) > MAX_BYTES:
        raise B2mmlError('too_large', limit=MAX_BYTES)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             dtd_validation=False, huge_tree=False, remove_comments=True,
                             remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise B2mmlError('malformed', line=error.lineno or 0, detail=error.msg) from None
    if root.getroottree().docinfo.doctype:
        raise B2mmlError('doctype')
    return root


def validate(root):
    """Raise ``B2mmlError('schema', line, path, detail)`` unless ``root`` is a valid B2MML v7
    document."""
    checker = schema()
    try:
        valid = checker.validate(root)
    except etree.XMLSchemaValidateError as error:  # an unexpanded entity, say
        raise B2mmlError('schema', line=0, path='/', detail=str(error)) from None
    if not valid:
        entry = checker.error_log[0]
        path = entry.path
        try:  # libxml2 names the element /*/*[2]/..: name it as a reader would
            found = root.getroottree().xpath(entry.path)
            if found and isinstance(found[0], etree._Element):
                path = _line_path(found[0])['path']
        except etree.XPathError:  # keep libxml2's own path
            path = entry.path
        raise B2mmlError('schema', line=entry.line, path=path,
                         detail=_clean_path(entry.message))


def _clean_path(path):
    return (path or '/').replace('{%s}' % NS, '')


def message_name(root):
    return etree.QName(root).localname


def read(data):
    """Parse, validate and check a message we accept: ``(root, header)``."""
    root = parse(data)
    name = message_name(root)
    if etree.QName(root).namespace != NS or name not in ACCEPTED:
        raise B2mmlError('unsupported', name=name, accepted=', '.join(ACCEPTED))
    validate(root)
    area = root.find(_q('ApplicationArea'))
    bodid = _text(area, 'BODID')
    if not bodid:
        raise B2mmlError('no_bodid')
    header = {'name': name, 'bodid': bodid, 'sender': _text(area, 'Sender/LogicalID'),
              'created': _text(area, 'CreationDateTime'), 'area': area}
    return root, header


def _q(path):
    return '/'.join('{%s}%s' % (NS, part) for part in path.split('/'))


def _text(element, path):
    found = element.find(_q(path)) if element is not None else None
    return (found.text or '').strip() if found is not None and found.text else None


def _line_path(element):
    tree = element.getroottree()
    return {'line': element.sourceline or 0, 'path': '/%s/%s' % (
        message_name(tree.getroot()), _clean_path(tree.getelementpath(element)))}


def _datetime(element, path):
    """xs:dateTime with a zone -> naive UTC datetime (None when absent). A time without a
    zone is refused: a plant in Suzhou and an ERP in Ohio must not guess."""
    found = element.find(_q(path))
    if found is None or not (found.text or '').strip():
        return None
    text = found.text.strip()
    try:
        value = datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))
    except ValueError:
        raise B2mmlError('value', detail=text, **_line_path(found)) from None
    if value.tzinfo is None:
        raise B2mmlError('time_zone', detail=text, **_line_path(found))
    return value.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def _decimal(element):
    try:
        value = Decimal(element.text.strip())
    except (InvalidOperation, AttributeError):
        raise B2mmlError('value', detail=element.text, **_line_path(element)) from None
    if not value.is_finite():
        raise B2mmlError('value', detail=element.text, **_line_path(element))
    return value


def read_operations_schedule(root):
    """The production orders a ``ProcessOperationsSchedule`` asks for::

        {'schedule_id': .., 'requests': [{'id', 'description', 'start', 'end', 'priority',
         'definition_id', 'definition_version', 'product_code', 'quantity', 'uom', 'line',
         'path', 'segment_id', 'process_segment_id'}]}
    """
    schedules = root.findall(_q('DataArea/OperationsSchedule'))
    requests = []
    seen = set()
    for schedule in schedules:
        for request in schedule.findall(_q('OperationsRequest')):
            request_id = _text(request, 'ID')
            where = _line_path(request)
            if request_id in seen:
                raise B2mmlError('duplicate_request', request=request_id, **where)
            seen.add(request_id)
            produced = [requirement for requirement in request.iter(_q('MaterialRequirement'))
                        if _text(requirement, 'MaterialUse') == 'Produced']
            if len(produced) != 1:
                raise B2mmlError('produced_material', request=request_id, count=len(produced),
                                 **where)
            produced = produced[0]
            quantity = produced.find(_q('Quantity/QuantityString'))
            if quantity is None:
                raise B2mmlError('no_quantity', request=request_id, **_line_path(produced))
            qty = _decimal(quantity)
            if qty <= 0:
                raise B2mmlError('value', detail=quantity.text, **_line_path(quantity))
            version = None
            for parameter in request.iter(_q('SegmentParameter')):
                if _text(parameter, 'ID') == DEFINITION_VERSION:
                    text = _text(parameter, 'Value/ValueString')
                    if not (text or '').isdigit():
                        raise B2mmlError('value', detail=text, **_line_path(parameter))
                    version = int(text)
            priority = request.find(_q('Priority'))
            segment = request.find(_q('SegmentRequirement'))
            requests.append({
                'id': request_id, 'line': where['line'], 'path': where['path'],
                'description': _text(request, 'Description'),
                'start': _datetime(request, 'StartTime')
                or _datetime(segment, 'EarliestStartTime'),
                'end': _datetime(request, 'EndTime') or _datetime(segment, 'LatestEndTime'),
                'priority': int(_decimal(priority)) if priority is not None else None,
                # the BoM named by the request itself (the segment requirement's
                # OperationsDefinitionID is mandatory in the schema, so says nothing)
                'definition_id': _text(request, 'OperationsDefinitionID'),
                'definition_version': version,
                'product_code': _text(produced, 'MaterialDefinitionID'),
                'quantity': float(qty), 'uom': _text(produced, 'Quantity/UnitOfMeasure'),
                'segment_id': _text(segment, 'ID'),
                'process_segment_id': _text(segment, 'ProcessSegmentID'),
            })
    return {'schedule_id': _text(schedules[0], 'ID'), 'requests': requests}


def read_get_material_lot(root):
    """``[(lot ID, product code or None)]`` a ``GetMaterialLot`` asks for."""
    return [(_text(lot, 'ID'), _text(lot, 'MaterialDefinitionID'))
            for lot in root.findall(_q('DataArea/MaterialLot'))]


# -- building ----------------------------------------------------------------------------------
def _el(parent, tag, text=None, **attributes):
    element = etree.SubElement(parent, '{%s}%s' % (NS, tag), **attributes)
    if text is not None:
        try:
            element.text = str(text)
        except ValueError as error:  # a control character: no XML can carry it
            raise B2mmlError('outbound_invalid', name=message_name(_top(parent)), line=0,
                             path='%s/%s' % (_clean_path(parent.getroottree().getelementpath(
                                 parent)), tag), detail=str(error)) from None
    return element


def _opt(parent, tag, value, convert=str):
    """An optional element: only when there is a value."""
    if value:
        _el(parent, tag, convert(value))


def _top(element):
    while element.getparent() is not None:
        element = element.getparent()
    return element


def timestamp(value):
    """A naive UTC datetime as xs:dateTime."""
    return value.strftime('%Y-%m-%dT%H:%M:%SZ')


def number_text(value):
    """A quantity or limit as B2MML text: no float noise, no trailing zeros."""
    text = ('%.6f' % value).rstrip('0').rstrip('.')
    return text if text not in ('', '-0') else '0'


def _root(name, sender, created, bodid=None):
    root = etree.Element('{%s}%s' % (NS, name), nsmap={None: NS}, releaseID=RELEASE_ID)
    area = _el(root, 'ApplicationArea')
    _el(_el(area, 'Sender'), 'LogicalID', sender)
    _el(area, 'CreationDateTime', timestamp(created))
    _el(area, 'BODID', bodid or str(uuid.uuid4()))
    return root, _el(root, 'DataArea')


def _copy_area(parent, tag, area):
    copy = _el(parent, tag)
    for child in area:
        copy.append(etree.fromstring(etree.tostring(child)))
    for element in copy.iter():  # the sender's indentation is not part of the data
        element.tail = None
        if len(element) and element.text and not element.text.strip():
            element.text = None
    return copy


def _quantity(parent, qty, uom):
    quantity = _el(parent, 'Quantity')
    _el(quantity, 'QuantityString', number_text(qty))
    _el(quantity, 'DataType', 'decimal')
    if uom:
        _el(quantity, 'UnitOfMeasure', uom)


def _value(parent, text, data_type='string', uom=None):
    value = _el(parent, 'Value')
    _el(value, 'ValueString', text)
    _el(value, 'DataType', data_type)
    if uom:
        _el(value, 'UnitOfMeasure', uom)


def finish(root):
    """Validate what we built and serialise it: a message that would not validate is never
    sent (``B2mmlError('outbound_invalid')``)."""
    try:
        validate(root)
    except B2mmlError as error:
        raise B2mmlError('outbound_invalid', name=message_name(root), **error.params) from None
    return etree.tostring(root, xml_declaration=True, encoding='UTF-8')


def acknowledge_operations_schedule(sender, created, original_area, schedule_id, results):
    """``results``: ``[{'id', 'accepted', 'code', 'description', 'definition_id',
    'segment_id', 'process_segment_id'}]`` in the order of the requests."""
    root, data = _root('AcknowledgeOperationsSchedule', sender, created)
    acknowledge = _el(data, 'Acknowledge')
    _copy_area(acknowledge, 'OriginalApplicationArea', original_area)
    for result in results:
        criteria = _el(acknowledge, 'ResponseCriteria')
        _el(criteria, 'ResponseExpression',
            "/ProcessOperationsSchedule/DataArea/OperationsSchedule/OperationsRequest"
            "[ID='%s']" % result['id'].replace("'", ''),
            actionCode='Accepted' if result['accepted'] else 'Rejected')
        status = _el(criteria, 'ChangeStatus')
        _el(status, 'Code', 'Accepted' if result['accepted'] else 'Rejected')
        _el(status, 'Description', result['description'])
        _el(status, 'EffectiveDateTime', timestamp(created))
        if result.get('code'):
            _el(status, 'ReasonCode', result['code'], listID='mes.b2mml.error')
    schedule = _el(data, 'OperationsSchedule')
    _el(schedule, 'ID', schedule_id or 'schedule')
    for result in results:
        request = _el(schedule, 'OperationsRequest')
        _el(request, 'ID', result['id'])
        _el(request, 'Description', result['description'])
        if result['accepted']:
            _el(request, 'RequestState', 'Waiting')
        else:
            _el(request, 'RequestState', 'Other', OtherValue='Rejected')
        definition = result.get('definition_id') or 'none'
        _el(request, 'OperationsDefinitionID', definition)
        segment = _el(request, 'SegmentRequirement')
        _el(segment, 'ID', result.get('segment_id') or result['id'])
        _el(segment, 'ProcessSegmentID', result.get('process_segment_id') or definition)
        _el(segment, 'OperationsDefinitionID', definition)
        _el(segment, 'OperationsSegmentID', definition)
    return finish(root)


def _material_lot(parent, lot):
    """``lot``: {'id', 'description', 'product_code', 'status', 'created', 'expiry',
    'properties': [(id, value, data type)], 'quantity', 'uom', 'location', 'parents':
    [(lot id, product code)]}"""
    element = _el(parent, 'MaterialLot')
    _el(element, 'ID', lot['id'])
    _opt(element, 'Description', lot.get('description'))
    _opt(element, 'EffectiveStartDate', lot.get('created'), timestamp)
    _opt(element, 'EffectiveEndDate', lot.get('expiry'), timestamp)
    _opt(element, 'MaterialDefinitionID', lot.get('product_code'))
    _el(element, 'Status', lot['status'], listID='mes.lot.release_state')
    _el(element, 'Disposition', DISPOSITIONS.get(lot['status'], 'Restricted'))
    for property_id, text, data_type in lot.get('properties') or ():
        prop = _el(element, 'MaterialLotProperty')
        _el(prop, 'ID', property_id)
        _value(prop, text, data_type)
    if lot.get('location'):
        location = _el(element, 'StorageLocation')
        _el(location, 'Location', lot['location'])
        _el(location, 'LocationType', 'Operational Location ID')
    if lot.get('quantity') is not None:
        _quantity(element, lot['quantity'], lot.get('uom'))
    parents = lot.get('parents') or ()
    for parent_id, parent_code in parents:
        assembly = _el(element, 'AssemblyLot')
        _el(assembly, 'ID', parent_id)
        if parent_code:
            _el(assembly, 'MaterialDefinitionID', parent_code)
    if parents:
        _el(element, 'AssemblyType', 'Logical')
        _el(element, 'AssemblyRelationship', 'Permanent')
    return element


def show_material_lot(sender, created, original_area, lots):
    root, data = _root('ShowMaterialLot', sender, created)
    _copy_area(_el(data, 'Show'), 'OriginalApplicationArea', original_area)
    for lot in lots:
        _material_lot(data, lot)
    return finish(root)


def sync_material_lot(sender, created, bodid, lot, change):
    """``change``: {'from', 'to', 'reason', 'date'}: the release-state change."""
    root, data = _root('SyncMaterialLot', sender, created, bodid)
    criteria = _el(_el(data, 'Sync'), 'ActionCriteria')
    _el(criteria, 'ActionExpression', '/SyncMaterialLot/DataArea/MaterialLot',
        actionCode='Change')
    status = _el(criteria, 'ChangeStatus')
    _el(status, 'Code', change['to'])
    _el(status, 'EffectiveDateTime', timestamp(change['date']))
    _opt(status, 'Reason', change.get('reason'))
    state = _el(status, 'StateChange')
    _opt(state, 'FromStateCode', change.get('from'))
    _el(state, 'ToStateCode', change['to'])
    _el(state, 'ChangeDateTime', timestamp(change['date']))
    _material_lot(data, lot)
    return finish(root)


def sync_operations_performance(sender, created, bodid, performance):
    """``performance``: {'id', 'description', 'request_id', 'definition_id', 'start', 'end',
    'segments': [{'id', 'process_segment_id', 'start', 'end', 'state', 'data': [{'id',
    'description', 'value', 'data_type', 'uom', 'children': [(id, value, data type)]}],
    'personnel': [(person id, description)], 'equipment': [(equipment id, description)],
    'materials': [{'use', 'product_code', 'lot', 'quantity', 'uom', 'description'}]}]}"""
    root, data = _root('SyncOperationsPerformance', sender, created, bodid)
    _el(_el(_el(data, 'Sync'), 'ActionCriteria'), 'ActionExpression',
        '/SyncOperationsPerformance/DataArea/OperationsPerformance', actionCode='Add')
    element = _el(data, 'OperationsPerformance')
    _el(element, 'ID', performance['id'])
    _opt(element, 'Description', performance.get('description'))
    _opt(element, 'StartTime', performance.get('start'), timestamp)
    if performance.get('end'):
        _el(element, 'Endtime', timestamp(performance['end']))  # sic: the schema's spelling
    _el(element, 'OperationsType', 'Production')
    _el(element, 'PerformanceState', 'Completed')
    response = _el(element, 'OperationsResponse')
    _el(response, 'ID', performance['id'])
    _opt(response, 'StartTime', performance.get('start'), timestamp)
    _opt(response, 'EndTime', performance.get('end'), timestamp)
    _el(response, 'OperationsType', 'Production')
    _el(response, 'OperationsRequestID', performance.get('request_id') or performance['id'])
    _opt(response, 'OperationsDefinitionID', performance.get('definition_id'))
    _el(response, 'ResponseState', 'Completed')
    for segment in performance['segments']:
        _segment_response(response, segment)
    return finish(root)


def _segment_response(parent, segment):
    element = _el(parent, 'SegmentResponse')
    _el(element, 'ID', segment['id'])
    _opt(element, 'Description', segment.get('description'))
    _opt(element, 'ActualStartTime', segment.get('start'), timestamp)
    _opt(element, 'ActualEndTime', segment.get('end'), timestamp)
    _el(element, 'OperationsType', 'Production')
    _opt(element, 'ProcessSegmentID', segment.get('process_segment_id'))
    _el(element, 'SegmentState', segment.get('state') or 'Completed')
    for item in segment.get('data') or ():
        segment_data = _el(element, 'SegmentData')
        _el(segment_data, 'ID', item['id'])
        _opt(segment_data, 'Description', item.get('description'))
        if item.get('value') is not None:
            _value(segment_data, item['value'], item.get('data_type') or 'string',
                   item.get('uom'))
        for child_id, text, data_type in item.get('children') or ():
            child = _el(segment_data, 'SegmentDataChild')
            _el(child, 'ID', child_id)
            _value(child, text, data_type)
    for index, (person, description) in enumerate(segment.get('personnel') or (), 1):
        actual = _el(element, 'PersonnelActual')
        _el(actual, 'ID', '%s-P%d' % (segment['id'], index))
        _el(actual, 'PersonID', person)
        if description:
            _el(actual, 'Description', description)
    for index, (equipment, description) in enumerate(segment.get('equipment') or (), 1):
        actual = _el(element, 'EquipmentActual')
        _el(actual, 'ID', '%s-E%d' % (segment['id'], index))
        _el(actual, 'EquipmentID', equipment)
        if description:
            _el(actual, 'Description', description)
    for index, material in enumerate(segment.get('materials') or (), 1):
        actual = _el(element, 'MaterialActual')
        _el(actual, 'ID', '%s-M%d' % (segment['id'], index))
        _opt(actual, 'MaterialDefinitionID', material.get('product_code'))
        _opt(actual, 'MaterialLotID', material.get('lot'))
        _opt(actual, 'Description', material.get('description'))
        _el(actual, 'MaterialUse', material['use'])
        _quantity(actual, material['quantity'], material.get('uom'))
