import jsonschema
from openapi_spec_validator import validate

from odoo.addons.mes_bridge.lib import b2mml
from odoo.tests import HttpCase, tagged

from .common import PASSWORDS, MesCase


@tagged('post_install', '-at_install')
class TestIntegrationCatalogue(HttpCase, MesCase):
    """The OpenAPI document and the data dictionary, as an integrator fetches them."""

    def setUp(self):
        super().setUp()
        self.key = self.env['res.users.apikeys'].with_user(self.qa_manager).sudo()._generate(
            None, 'Integration (test)', None)

    def get(self, url, key=None):
        headers = {'Authorization': 'Bearer %s' % key} if key else {}
        return self.url_open(url, headers=headers)

    def test_the_openapi_document_is_valid_and_says_how_to_call_us(self):
        response = self.get('/mes/openapi.json')
        self.assertEqual(response.status_code, 200)
        document = response.json()
        validate(document)  # OpenAPI 3.1, per openapi-spec-validator
        self.assertEqual(document['openapi'], '3.1.0')
        paths = document['paths']
        b2mml_post = paths['/mes/b2mml']['post']
        self.assertEqual(b2mml_post['security'], [{'apiKey': []}])
        self.assertIn('application/xml', b2mml_post['requestBody']['content'])
        self.assertLessEqual({'200', '400', '409', '422'}, set(b2mml_post['responses']))
        # every documented JSON-2 method exists and is public, answering with its errors
        for path, item in paths.items():
            if path.startswith('/json/2/'):
                model, method = path.split('/')[3:]
                self.assertIn(model, self.env)
                self.assertTrue(callable(getattr(self.env[model], method)))
                self.assertFalse(method.startswith('_'))
                self.assertEqual(item['post']['security'], [{'apiKey': []}])
        trace = paths['/json/2/stock.lot/mes_trace']['post']
        schema = trace['requestBody']['content']['application/json']['schema']
        self.assertEqual(schema['properties']['direction'], {'type': 'string',
                                                             'default': 'backward'})
        self.assertIn('Backward', trace['description'])
        record = paths['/json/2/mes.step.execution/mes_record']['post']
        self.assertIn('value', record['requestBody']['content']['application/json'][
            'schema']['properties'])
        self.assertIn('/mes/kiosk/api/act', paths)
        self.assertIn('/mes/kiosk/document/{step_id}', paths)
        # a call written from the document works as documented
        body = {'ids': [self.stopper_lot.id], 'direction': 'forward'}
        jsonschema.validate(body, schema)
        answer = self.url_open('/json/2/stock.lot/mes_trace', json=body, headers={
            'Authorization': 'Bearer %s' % self.key})
        self.assertEqual(answer.status_code, 200, answer.text)
        self.assertEqual(answer.json()['lot_id'], self.stopper_lot.id)

    def test_the_data_dictionary_maps_every_field_it_names(self):
        self.assertEqual(self.get('/mes/data-dictionary.json').status_code, 401)
        response = self.get('/mes/data-dictionary.json', self.key)
        self.assertEqual(response.status_code, 200)
        models = {model['model']: {field['name']: field for field in model['fields']}
                  for model in response.json()['models']}
        # the B2MML mapping names real fields, and each is in the dictionary
        for (model, field), element in b2mml.ELEMENT_MAP.items():
            self.assertIn(field, self.env[model]._fields, (model, field))
            self.assertEqual(models[model][field]['b2mml'], element)
        value = models['mes.step.execution']['value']
        self.assertEqual((value['type'], value['unit']), ('float', "the step's unit (uom_id)"))
        release = models['stock.lot']['mes_release_state']
        self.assertIn(['quarantine', 'Quarantine'], release['selection'])
        self.assertIn('Only released lots', release['meaning'])
        self.assertIn('mes.b2mml.message', models)
        self.assertNotIn('qty_produced', models['mrp.workorder'])  # Odoo's own, unmapped
        # the page in the MES menu
        self.authenticate('mes_qa_manager', PASSWORDS['qa_manager'])
        page = self.url_open('/mes/data-dictionary')
        self.assertEqual(page.status_code, 200)
        self.assertIn('OperationsRequest/ID', page.text)
        self.assertIn('mes_release_state', page.text)
        action = self.env.ref('mes_bridge.action_mes_data_dictionary')
        self.assertEqual(action.url, '/mes/data-dictionary')

    def test_the_dictionary_page_needs_a_user(self):
        page = self.url_open('/mes/data-dictionary', allow_redirects=False)
        self.assertIn(page.status_code, (302, 303))
        self.assertIn('/web/login', page.headers['Location'])
