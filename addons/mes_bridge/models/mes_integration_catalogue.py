import functools
import inspect
import re

from odoo import _, api, models

from ..lib import b2mml

# fields every model has: bookkeeping, not data of the domain
_MAGIC_FIELDS = {'id', 'create_uid', 'create_date', 'write_uid', 'write_date', 'display_name',
                 'message_ids', 'message_follower_ids', 'message_partner_ids',
                 'activity_ids', 'website_message_ids', 'rating_ids'}
_JSON_TYPES = {'char': 'string', 'text': 'string', 'html': 'string', 'selection': 'string',
               'integer': 'integer', 'float': 'number', 'monetary': 'number',
               'boolean': 'boolean', 'date': 'string', 'datetime': 'string',
               'many2one': 'integer', 'one2many': 'array', 'many2many': 'array',
               'binary': 'string', 'json': 'object', 'properties': 'object',
               'many2one_reference': 'integer', 'reference': 'string', 'image': 'string'}
_ERROR = {'type': 'object', 'required': ['error'], 'properties': {'error': {
    'type': 'object', 'required': ['code', 'message'], 'properties': {
        'code': {'type': 'string'}, 'message': {'type': 'string'},
        'line': {'type': 'integer'}, 'path': {'type': 'string'},
        'detail': {'type': 'string'}, 'request': {'type': 'string'}}}}}
_JSON2_ERROR = {'type': 'object', 'properties': {
    'name': {'type': 'string'}, 'message': {'type': 'string'},
    'arguments': {'type': 'array'}, 'context': {'type': 'object'},
    'debug': {'type': 'string'}}}


class MesIntegrationCatalogue(models.AbstractModel):
    """What other systems can rely on, generated from the code: the data dictionary of the MES
    records (with the B2MML element each field maps to) and the OpenAPI description of our
    HTTP endpoints and JSON-2 methods. Each addon adds its own by extending the two lists."""
    _name = 'mes.integration.catalogue'
    _description = 'MES Integration Catalogue'

    # -- what is described -------------------------------------------------------------------
    @api.model
    def _mes_extended_models(self):
        """Odoo models the MES extends: their MES fields, and the ones B2MML maps, are part of
        the dictionary."""
        return ['mrp.production', 'mrp.workorder', 'mrp.bom', 'mrp.routing.workcenter',
                'stock.lot', 'product.template']

    @api.model
    def _mes_json2_methods(self):
        """``[(model, method, tag)]``: the JSON-2 methods offered for integration."""
        return [
            ('mes.step.execution', 'mes_record', 'Recording steps'),
            ('mes.step.execution', 'mes_override', 'Recording steps'),
            ('mrp.workorder', 'button_start', 'Recording steps'),
            ('mrp.workorder', 'mes_pause', 'Recording steps'),
            ('mrp.workorder', 'mes_resume', 'Recording steps'),
            ('mrp.workorder', 'button_finish', 'Recording steps'),
            ('mrp.production', 'action_mes_release', 'Releasing'),
            ('mrp.bom', 'mes_sign', 'Releasing'),
            ('stock.lot', 'mes_trace', 'Tracing'),
            ('mrp.production', 'mes_mass_balance', 'Tracing'),
        ]

    # -- the data dictionary -------------------------------------------------------------------
    @api.model
    def _mes_data_dictionary(self):
        """``{'models': [{'model', 'name', 'description', 'fields': [{'name', 'label',
        'type', 'relation', 'required', 'readonly', 'unit', 'meaning', 'selection',
        'b2mml'}]}]}``, in the user's language."""
        names = sorted(name for name, model in self.env.registry.items()
                       if name.startswith('mes.') and not model._transient
                       and not model._abstract)
        extended = [name for name in self._mes_extended_models() if name in self.env]
        mapped = {}
        for (model_name, field_name), element in b2mml.ELEMENT_MAP.items():
            mapped.setdefault(model_name, {})[field_name] = element
        models_out = []
        for name in names + extended:
            Model = self.env[name]
            own = name.startswith('mes.')
            fields_out = []
            for field_name, field in sorted(Model._fields.items()):
                if field_name in _MAGIC_FIELDS or field_name.startswith('__'):
                    continue
                b2mml_element = mapped.get(name, {}).get(field_name)
                if not own and not field_name.startswith('mes_') and not b2mml_element:
                    continue
                description = field.get_description(self.env)
                selection = description.get('selection')
                fields_out.append({
                    'name': field_name, 'label': description.get('string'),
                    'type': field.type, 'relation': field.comodel_name or None,
                    'required': bool(field.required), 'readonly': bool(field.readonly),
                    'stored': bool(field.store),
                    'unit': getattr(type(Model), '_mes_field_units', {}).get(field_name),
                    'meaning': description.get('help') or None,
                    'selection': [[str(key), label] for key, label in selection]
                    if isinstance(selection, list) else None,
                    'b2mml': b2mml_element,
                })
            models_out.append({'model': name, 'name': Model._description,
                               'description': (inspect.getdoc(type(Model)) or '').strip()
                               or None, 'fields': fields_out})
        return {'title': _('MES data dictionary'), 'b2mml_version': 'B2MML v7 (%s)'
                % b2mml.RELEASE_ID, 'models': models_out}

    # -- the OpenAPI description ---------------------------------------------------------------
    @api.model
    def _mes_openapi(self, base_url):
        """The OpenAPI 3.1 document of our endpoints (the ``/mes/`` routes of the installed
        addons) and the JSON-2 methods we offer."""
        from odoo.release import version  # noqa: PLC0415 - Odoo's version, read when asked
        paths = {}
        for rule in self.env['ir.http'].routing_map().iter_rules():
            if not rule.rule.startswith('/mes/'):
                continue
            paths.update(self._mes_openapi_route(rule))
        for model_name, method_name, tag in self._mes_json2_methods():
            if model_name in self.env:
                paths['/json/2/%s/%s' % (model_name, method_name)] = {
                    'post': self._mes_openapi_json2(model_name, method_name, tag)}
        return {
            'openapi': '3.1.0',
            'info': {'title': 'Odoo MES integration API', 'version': version,
                     'description': _('HTTP endpoints of the MES addons and the JSON-2 methods '
                                      'offered for integration. JSON-2 methods are called as '
                                      'POST /json/2/<model>/<method> with an API key; errors '
                                      'follow Odoo JSON-2.'),
                     'license': {'name': 'LGPL-3.0', 'identifier': 'LGPL-3.0-only'}},
            'servers': [{'url': base_url}],
            'components': {
                'securitySchemes': {
                    'apiKey': {'type': 'http', 'scheme': 'bearer',
                               'description': _('An Odoo API key (Preferences > Account '
                                                'Security) as bearer token.')},
                    'session': {'type': 'apiKey', 'in': 'cookie', 'name': 'session_id'}},
                'schemas': {'Error': _ERROR, 'Json2Error': _JSON2_ERROR}},
            'paths': dict(sorted(paths.items())),
        }

    def _mes_openapi_route(self, rule):
        endpoint = rule.endpoint
        routing = endpoint.routing
        function = endpoint.func if isinstance(endpoint, functools.partial) else endpoint
        function = getattr(function, 'original_endpoint', function)
        doc = inspect.getdoc(function) or ''
        path = rule.rule
        parameters = []
        for name in rule.arguments:
            converter = rule._converters[name]
            parameters.append({'name': name, 'in': 'path', 'required': True, 'schema': {
                'type': 'integer' if type(converter).__name__ == 'IntegerConverter'
                else 'string'}})
            path = path.replace('<%s>' % name, '{%s}' % name)
            for prefix in ('int:', 'string:', 'path:', 'model(', 'models('):
                path = path.replace('<%s%s>' % (prefix, name), '{%s}' % name)
        auth = routing.get('auth')
        security = ([{'apiKey': []}] if auth == 'bearer' else
                    [{'session': []}] if auth == 'user' else [])
        operations = {}
        for method in routing.get('methods') or ['GET', 'POST']:
            operation = {
                'summary': doc.split('\n\n')[0].replace('\n', ' ') or rule.rule,
                'description': doc or None, 'operationId': '%s_%s' % (
                    method.lower(), re.sub(r'[^a-z0-9]+', '_', path.lower()).strip('_')),
                'tags': [self._mes_openapi_tag(rule.rule)], 'security': security,
                'responses': {'200': {'description': _('Success')}},
            }
            if not operation['description']:
                del operation['description']
            if parameters:
                operation['parameters'] = parameters
            if routing.get('type') in ('jsonrpc', 'json') and method == 'POST':
                operation['requestBody'] = {'required': True, 'content': {'application/json': {
                    'schema': {'type': 'object', 'required': ['params'], 'properties': {
                        'jsonrpc': {'const': '2.0'}, 'id': {}, 'params': {'type': 'object'}}}}}}
            operation.update(self._mes_openapi_details(rule.rule, method))
            operations[method.lower()] = operation
        return {path: operations}

    def _mes_openapi_tag(self, route):
        return 'Kiosk' if route.startswith('/mes/kiosk') else 'Integration'

    def _mes_openapi_details(self, route, method):
        """What the route's code alone does not say: bodies, answers."""
        if route == '/mes/b2mml':
            xml = {'application/xml': {'schema': {'type': 'string', 'contentMediaType':
                                                  'application/xml'}}}
            error = {'application/json': {'schema': {'$ref': '#/components/schemas/Error'}}}
            return {
                'requestBody': {'required': True, 'description': _(
                    'A B2MML v7 ProcessOperationsSchedule or GetMaterialLot message.'),
                    'content': xml},
                'responses': {
                    '200': {'description': _('AcknowledgeOperationsSchedule or '
                                             'ShowMaterialLot'), 'content': xml},
                    '400': {'description': _('Not well-formed, not valid against the B2MML '
                                             'v7 schemas, a DTD, or not a message accepted '
                                             'here (error with line and path)'),
                            'content': error},
                    '401': {'description': _('No or an invalid API key')},
                    '403': {'description': _('The API user may not do this'),
                            'content': error},
                    '404': {'description': _('Unknown lot'), 'content': error},
                    '409': {'description': _('BODID already used by another message'),
                            'content': error},
                    '413': {'description': _('Message too large'), 'content': error},
                    '415': {'description': _('Not application/xml'), 'content': error},
                    '422': {'description': _('A request cannot be carried out: '
                                             'AcknowledgeOperationsSchedule with each reason, '
                                             'nothing created'),
                            'content': dict(xml, **error)},
                }}
        if route.endswith('.json'):
            return {'responses': {'200': {'description': _('Success'), 'content': {
                'application/json': {'schema': {'type': 'object'}}}}}}
        return {}

    def _mes_openapi_json2(self, model_name, method_name, tag):
        Model = self.env[model_name]
        function = getattr(type(Model), method_name)
        doc = inspect.getdoc(function) or ''
        is_model_method = hasattr(function, '_api_model')
        properties, required = {}, []
        if not is_model_method:
            properties['ids'] = {'type': 'array', 'items': {'type': 'integer'},
                                 'description': _('The records (JSON-2: ids)')}
            required.append('ids')
        properties['context'] = {'type': 'object', 'description': _(
            'Language, time zone, company (allowed_company_ids)')}
        for name, parameter in inspect.signature(function).parameters.items():
            if name == 'self' or parameter.kind in (parameter.VAR_KEYWORD,
                                                    parameter.VAR_POSITIONAL):
                continue
            schema = {}
            if parameter.default is parameter.empty:
                required.append(name)
            elif isinstance(parameter.default, bool):
                schema = {'type': 'boolean', 'default': parameter.default}
            elif isinstance(parameter.default, int):
                schema = {'type': 'integer', 'default': parameter.default}
            elif isinstance(parameter.default, str):
                schema = {'type': 'string', 'default': parameter.default}
            properties[name] = schema
        return {
            'summary': doc.split('\n\n')[0].replace('\n', ' ') or method_name,
            'description': doc or method_name,
            'operationId': '%s_%s' % (model_name.replace('.', '_'), method_name),
            'tags': [tag], 'security': [{'apiKey': []}],
            'requestBody': {'required': True, 'content': {'application/json': {'schema': {
                'type': 'object', 'required': required, 'properties': properties}}}},
            'responses': {
                '200': {'description': _('The method returns (see its description)'),
                        'content': {'application/json': {'schema': {}}}},
                '401': {'description': _('No or an invalid API key')},
                '403': {'description': _('Access refused'), 'content': {'application/json': {
                    'schema': {'$ref': '#/components/schemas/Json2Error'}}}},
                '422': {'description': _('Refused by a rule of the record (a GxP check)'),
                        'content': {'application/json': {'schema': {
                            '$ref': '#/components/schemas/Json2Error'}}}},
            },
        }
