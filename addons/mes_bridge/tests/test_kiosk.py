import functools
import hashlib
import json
import re
import uuid
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo import fields, http
from odoo.addons.bus.models.bus import dispatch
from odoo.addons.bus.tests.common import WebsocketCase
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged
from odoo.tests.common import ChromeBrowser
from odoo.tools import mute_logger

from .common import PASSWORDS, MesCase, instruction_pdf

PIN = '4711'


class KioskCase(MesCase, HttpCase):
    """A tablet paired for the moulding and assembly work centers, operators with badges."""
    instruction_document = instruction_pdf('Wear gloves.')

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref('base.user_admin')
        cls.admin.group_ids |= cls.env.ref('mes_bridge.group_mes_admin')
        cls.device = cls.env['mes.kiosk.device'].with_user(cls.admin).create({
            'name': 'Line 1 tablet',
            'workcenter_ids': [(6, 0, (cls.wc_molding | cls.wc_assembly).ids)]})
        cls.operator.sudo().mes_badge = 'BADGE-OLGA'
        cls.operator.with_user(cls.operator).mes_set_kiosk_pin(PIN)
        cls.supervisor.sudo().mes_badge = 'BADGE-SAM'
        cls.supervisor.with_user(cls.admin).mes_set_kiosk_pin('8642')

    def pair(self, device=None):
        """Pair through the pages a tablet sees: the form, then its POST."""
        code = (device or self.device).with_user(self.admin).mes_new_pairing_code()['code']
        page = self.url_open('/mes/kiosk/pair?code=%s' % code)
        self.assertEqual(page.status_code, 200)
        self.assertIn(code, page.text)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        response = self.url_open('/mes/kiosk/pair', data={'code': code, 'csrf_token': csrf},
                                 allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        return response

    def api(self, route, **params):
        return self.make_jsonrpc_request('/mes/kiosk/api/%s' % route, params)

    def sign_in(self, identifier='BADGE-OLGA', pin=PIN):
        answer = self.api('sign_in', identifier=identifier, pin=pin)
        self.assertNotIn('error', answer, answer)
        return answer['token']

    def act(self, token, operation, workorder, step=None, **payload):
        return self.api('act', token=token, item={
            'client_id': str(uuid.uuid4()), 'operation': operation,
            'workorder_id': workorder.id, 'step_id': step.id if step else False,
            'payload': payload})


@tagged('post_install', '-at_install')
class TestKioskDevice(KioskCase):

    def test_pairing_and_revocation(self):
        # not paired: the kiosk page asks for the pairing code, the API refuses
        self.assertIn('Pair this tablet', self.url_open('/mes/kiosk').text)
        self.assertEqual(self.api('device')['error']['code'], 'device')
        response = self.pair()
        cookie = response.cookies.get('mes_kiosk_device')
        self.assertTrue(cookie)
        self.assertIn('HttpOnly', response.headers['Set-Cookie'])
        # the token is not stored, only its digest
        self.assertNotIn(cookie, str(self.device.sudo().read()[0]))
        self.assertEqual(self.device.state, 'paired')
        device = self.api('device')
        self.assertEqual((device['name'], [w['name'] for w in device['workcenters']]),
                         ('Line 1 tablet', ['Moulding (test)', 'Assembly (test)']))
        # the code works once
        token = self.sign_in()
        self.device.with_user(self.admin).action_revoke()
        self.assertEqual(self.api('device')['error']['code'], 'device')
        self.assertEqual(self.api('queue', token=token)['error']['code'], 'device')
        self.assertEqual(self.device.session_ids.end_reason, 'revoked')
        self.assertIn('Pair this tablet', self.url_open('/mes/kiosk').text)

    def test_a_paired_tablet_keeps_its_database_in_an_anonymous_session(self):
        """A paired tablet's calls carry an Odoo session bound to the database (a server
        with several databases does not list them on every call); it logs nobody in. A
        tablet that is not paired gets no session kept."""
        self.assertEqual(self.api('device')['error']['code'], 'device')
        sid = self.opener.cookies.get('session_id')
        self.assertNotIn('mes_kiosk', http.root.session_store.get(sid))
        self.pair()
        self.assertNotIn('error', self.api('device'))
        session = http.root.session_store.get(self.opener.cookies.get('session_id'))
        self.assertTrue(session.get('mes_kiosk'))
        self.assertEqual(session.db, self.env.cr.dbname)
        self.assertFalse(session.uid)
        # operators act through their kiosk tokens, never through this session
        token = self.sign_in()
        session = http.root.session_store.get(self.opener.cookies.get('session_id'))
        self.assertFalse(session.uid)
        self.assertNotIn('error', self.api('queue', token=token))

    def test_pairing_codes_are_single_use_and_expire(self):
        code = self.device.with_user(self.admin).mes_new_pairing_code()['code']
        self.env['mes.kiosk.device']._mes_pair(code)
        with self.assertRaisesRegex(AccessError, 'not valid'):
            self.env['mes.kiosk.device']._mes_pair(code)
        code = self.device.with_user(self.admin).mes_new_pairing_code()['code']
        with freeze_time(fields.Datetime.now() + timedelta(minutes=16)):
            with self.assertRaisesRegex(AccessError, 'expired'):
                self.env['mes.kiosk.device']._mes_pair(code)
        # a wrong code on the page says so and sets no cookie
        page = self.url_open('/mes/kiosk/pair')
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        response = self.url_open('/mes/kiosk/pair', data={'code': 'WRONG', 'csrf_token': csrf})
        self.assertIn('not valid', response.text)
        self.assertNotIn('mes_kiosk_device', response.headers.get('Set-Cookie', ''))

    def test_only_an_mes_administrator_pairs_and_revokes(self):
        for user in (self.supervisor, self.qa_manager, self.operator):
            with self.assertRaises(AccessError):
                self.device.with_user(user).mes_new_pairing_code()
            with self.assertRaises(AccessError):
                self.device.with_user(user).action_revoke()
        with self.assertRaises(UserError):
            self.device.with_user(self.admin).write({'state': 'paired'})
        with self.assertRaises(UserError):
            self.device.with_user(self.admin).write({'token_digest': 'x'})
        self.pair()
        with self.assertRaises(UserError):
            self.device.with_user(self.admin).unlink()
        # a device of another company shows only that company's work centers
        other = self.env['res.company'].create({'name': 'Other plant'})
        foreign = self.env['mrp.workcenter'].with_company(other).create(
            {'name': 'Foreign press', 'company_id': other.id})
        with self.assertRaises(UserError):
            self.env['mes.kiosk.device'].create({'name': 'x',
                                                 'workcenter_ids': [(6, 0, foreign.ids)]})


@tagged('post_install', '-at_install')
class TestKioskOperators(KioskCase):

    def setUp(self):
        super().setUp()
        self.pair()

    def test_badge_or_login_and_pin(self):
        answer = self.api('sign_in', identifier='BADGE-OLGA', pin=PIN)
        self.assertEqual(answer['operator']['name'], 'Olga Operator')
        session = self.env['mes.kiosk.session'].browse(answer['session_id'])
        self.assertEqual((session.user_id, session.device_id, session.state),
                         (self.operator, self.device, 'active'))
        self.assertNotIn(answer['token'], str(session.sudo().read()[0]))
        # by login as well
        self.assertEqual(self.api('sign_in', identifier='mes_operator', pin=PIN)['operator'][
            'name'], 'Olga Operator')
        # a scanner in lower case; a pattern is not a badge
        self.assertEqual(self.api('sign_in', identifier='badge-olga', pin=PIN)['operator'][
            'name'], 'Olga Operator')
        for identifier, pin in [('BADGE-NOBODY', PIN), ('', PIN), ('BADGE-OLGA', ''),
                                ('BADGE-%', PIN), ('%', PIN), ('mes\\_operator', PIN),
                                ('BADGE_OLGA', PIN)]:
            self.assertEqual(self.api('sign_in', identifier=identifier, pin=pin)['error'][
                'code'], 'sign_in')
        # the PIN is kept hashed
        self.assertTrue(self.operator.sudo().mes_kiosk_pin_hash.startswith('$pbkdf2'))
        # a planner has no shop-floor right: no kiosk either
        self.planner.sudo().mes_badge = 'BADGE-PAULA'
        self.planner.with_user(self.planner).mes_set_kiosk_pin('2468')
        self.assertIn('error', self.api('sign_in', identifier='BADGE-PAULA', pin='2468'))

    def test_wrong_pins_lock_and_an_administrator_unlocks(self):
        for attempt in (1, 2):
            answer = self.api('sign_in', identifier='BADGE-OLGA', pin='0000')
            self.assertIn('%s of 3' % attempt, answer['error']['message'])
        answer = self.api('sign_in', identifier='BADGE-OLGA', pin='0000')
        self.assertIn('locked', answer['error']['message'])
        self.operator.invalidate_recordset()
        self.assertTrue(self.operator.mes_kiosk_pin_locked)
        # locked: the right PIN does not open it, and the operator cannot reset it themself
        self.assertIn('locked', self.api('sign_in', identifier='BADGE-OLGA', pin=PIN)[
            'error']['message'])
        with self.assertRaises(AccessError):
            self.operator.with_user(self.operator).mes_set_kiosk_pin('1357')
        with self.assertRaises(AccessError):
            self.operator.with_user(self.supervisor).action_mes_unlock_kiosk_pin()
        self.operator.with_user(self.admin).action_mes_unlock_kiosk_pin()
        self.assertTrue(self.sign_in())
        entries = self.env['mes.audit.entry'].search([
            ('res_model', '=', 'res.users'), ('res_id', '=', self.operator.id),
            ('field_name', 'like', 'mes_kiosk_pin')])
        self.assertGreaterEqual(len(entries), 4)  # set, 3 failures, lock, unlock

    def test_pin_rules(self):
        for pin in ('12', 'abcd', '1111', '1234', '9876', '1234567890123'):
            with self.assertRaises(UserError):
                self.operator.with_user(self.operator).mes_set_kiosk_pin(pin)
        with self.assertRaises(AccessError):
            self.supervisor.with_user(self.operator).mes_set_kiosk_pin('2580')
        # one badge, one person
        with self.assertRaises(IntegrityError), mute_logger('odoo.sql_db'):
            self.supervisor.sudo().write({'mes_badge': 'BADGE-OLGA'})
            self.env.flush_all()

    def test_several_operators_switch_and_idle_sign_out(self):
        olga = self.sign_in()
        sam = self.sign_in('BADGE-SAM', '8642')
        self.assertEqual(self.device.session_ids.filtered(
            lambda s: s.state == 'active').user_id, self.operator | self.supervisor)
        # each token is its operator: the queue is read as them
        self.assertIn('workorders', self.api('queue', token=olga))
        self.assertIn('workorders', self.api('queue', token=sam))
        self.api('sign_out', token=sam)
        self.assertEqual(self.api('queue', token=sam)['error']['code'], 'session')
        self.company.mes_kiosk_idle_minutes = 10
        with freeze_time(fields.Datetime.now() + timedelta(minutes=11)):
            answer = self.api('queue', token=olga)
        self.assertIn('10 minutes', answer['error']['message'])
        session = self.device.session_ids.filtered(lambda s: s.user_id == self.operator)
        self.assertEqual((session.state, session.end_reason), ('ended', 'idle'))
        # signing in again on the same tablet ends the operator's older session
        first = self.sign_in()
        self.sign_in()
        self.assertEqual(self.api('queue', token=first)['error']['code'], 'session')


@tagged('post_install', '-at_install')
class TestKioskExecution(KioskCase):

    def setUp(self):
        super().setUp()
        self.pair()
        self.token = self.sign_in()
        self.production = self.released_production()
        self.molding, self.assembly = self.workorders(self.production)

    def test_queue_and_work_order(self):
        queue = self.api('queue', token=self.token)['workorders']
        self.assertLessEqual({self.molding.id, self.assembly.id}, {c['id'] for c in queue}, queue)
        card = next(c for c in queue if c['id'] == self.molding.id)
        self.assertEqual((card['production'], card['steps'], card['released']),
                         (self.production.name, 4, True))
        detail = self.api('workorder', token=self.token, workorder_id=self.molding.id)
        self.assertEqual([s['type'] for s in detail['steps']],
                         ['instruction', 'material', 'measurement', 'equipment'])
        material = detail['steps'][1]['material']
        self.assertEqual(material['codes'], ['5901234123457'])
        self.assertIn({'name': 'RES-001', 'state': 'released', 'expiry': False},
                      material['lots'])
        self.assertEqual(detail['steps'][3]['equipment']['expected'], 'MOULD-07')
        self.assertTrue(detail['losses'])

    def test_instruction_document_on_the_tablet(self):
        detail = self.api('workorder', token=self.token, workorder_id=self.molding.id)
        instruction = self.steps(self.molding)[0]
        document = detail['steps'][0]['document']
        self.assertEqual(document, {'name': 'WI-MOULD-01.pdf',
                                    'url': '/mes/kiosk/document/%s' % instruction.id,
                                    'sha256': instruction.instruction_pdf_sha256})
        self.assertFalse(detail['steps'][1]['document'])
        response = self.url_open(document['url'])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers['Content-Type'], 'application/pdf')
        self.assertEqual(hashlib.sha256(response.content).hexdigest(), document['sha256'])
        # shown in the page, not downloaded; asked again online each time
        self.assertNotIn('attachment', response.headers.get('Content-Disposition', ''))
        self.assertIn('no-cache', response.headers['Cache-Control'])

    def test_every_step_kind_through_the_kiosk(self):
        self.assertTrue(self.act(self.token, 'start', self.molding)['accepted'])
        steps = self.steps(self.molding)
        self.assertTrue(self.act(self.token, 'record', self.molding, steps[0])['accepted'])
        refused = self.act(self.token, 'record', self.molding, steps[1], code='RES-404')
        self.assertFalse(refused['accepted'])
        self.assertIn('RES-404', refused['message'])
        self.assertTrue(self.act(self.token, 'record', self.molding, steps[1],
                                 code='RES-001')['accepted'])
        out = self.act(self.token, 'record', self.molding, steps[2], value='250')
        self.assertTrue(out['accepted'])
        self.assertTrue(out['out_of_limit'])
        self.assertTrue(out['blocking'])
        self.assertTrue(self.act(self.token, 'record', self.molding, steps[3],
                                 code='MOULD-07')['accepted'])
        # every record names the operator's own user and the tablet
        self.assertEqual(set(steps.mapped('operator_id')), {self.operator})
        self.assertEqual(set(steps.mapped('device_id')), {self.device})
        exception = self.env['mes.exception'].browse(out['exception_id'])
        self.assertEqual((exception.raised_by_id, exception.device_id),
                         (self.operator, self.device))
        # blocked: the kiosk says why and who unblocks it
        detail = self.api('workorder', token=self.token, workorder_id=self.molding.id)
        self.assertTrue(detail['blocked'])
        self.assertEqual(detail['blocked_by'][0]['name'], exception.name)
        finish = self.act(self.token, 'finish', self.molding)
        self.assertFalse(finish['accepted'])
        self.assertIn(exception.name, finish['message'])
        exception.with_user(self.supervisor).action_disposition(
            'rework', 'Barrel reheated and re-measured', 'mes_supervisor',
            PASSWORDS['supervisor'])
        self.assertTrue(self.act(self.token, 'finish', self.molding)['accepted'])
        self.assertEqual(self.molding.state, 'done')
        # assembly: pause with a reason, resume, quantities, check, signature, andon
        self.assertTrue(self.act(self.token, 'start', self.assembly)['accepted'])
        loss = self.env['mrp.workcenter.productivity.loss'].search(
            [('loss_type', '=', 'availability')], limit=1)
        self.assertFalse(self.act(self.token, 'pause', self.assembly)['accepted'])
        self.assertTrue(self.act(self.token, 'pause', self.assembly, loss_id=loss.id,
                                 note='Material shortage')['accepted'])
        # paused with its reason; the work center is not blocked for the other orders
        self.assertEqual((self.assembly.mes_pause_loss_id, self.assembly.is_user_working),
                         (loss, False))
        self.assertEqual(self.assembly.workcenter_id.working_state, 'normal')
        self.assertTrue(self.act(self.token, 'resume', self.assembly)['accepted'])
        # resumed: the pause is a downtime line with its reason and note (OEE)
        downtime = self.assembly.time_ids.filtered(lambda t: t.loss_id == loss)
        self.assertEqual((downtime.user_id, downtime.description, bool(downtime.date_end)),
                         (self.operator, 'Material shortage', True))
        self.assertFalse(self.assembly.mes_pause_loss_id)
        self.assertEqual(self.assembly.state, 'progress')
        steps = self.steps(self.assembly)
        for step, payload in zip(steps[:5], [{'code': 'STP-001'}, {'code': 'NDL-001'},
                                             {'code': 'LBL-001'}, {'value': '8.1'},
                                             {'passed': True}]):
            answer = self.act(self.token, 'record', self.assembly, step, **payload)
            self.assertTrue(answer['accepted'], answer)
        wrong = self.act(self.token, 'record', self.assembly, steps[5], login='mes_operator',
                         password='wrong')
        self.assertFalse(wrong['accepted'])
        self.assertTrue(self.act(self.token, 'record', self.assembly, steps[5],
                                 login='mes_operator', password=PASSWORDS['operator'])['accepted'])
        self.assertEqual(steps[5].signed_by_id, self.operator)
        # the signature names the tablet too; it is not the signer's to state or change
        signature = steps[5].mes_signature_ids
        self.assertEqual(signature.device_id, self.device)
        with self.assertRaises(UserError):
            signature.sudo().write({'device_id': False})
        andon = self.act(self.token, 'andon', self.assembly, reason='Blister sealer smoking',
                         severity='minor', photo='/9j/4AAQSkZJRgABAQ==')
        self.assertTrue(andon['accepted'])
        raised = self.env['mes.exception'].browse(andon['exception_id'])
        self.assertEqual((raised.source, raised.device_id, raised.raised_by_id),
                         ('manual', self.device, self.operator))
        self.assertTrue(self.env['ir.attachment'].search([('res_model', '=', 'mes.exception'),
                                                          ('res_id', '=', raised.id)]))
        self.assertTrue(self.act(self.token, 'quantity', self.assembly, produced=10)['accepted'])
        self.assertEqual(self.assembly.qty_producing, 10)
        self.assertFalse(self.act(self.token, 'quantity', self.assembly, produced=11)['accepted'])
        self.assertTrue(self.act(self.token, 'quantity', self.assembly, scrapped=2)['accepted'])
        self.assertEqual(self.assembly.mes_scrapped_qty, 2)
        self.assertIn('reported 2.0 Units scrapped', self.production.message_ids[0].body)
        for bad in (-1, 0, 9):
            self.assertFalse(self.act(self.token, 'quantity', self.assembly,
                                      scrapped=bad)['accepted'])
        self.assertEqual(self.assembly.mes_scrapped_qty, 2)
        self.assertTrue(self.act(self.token, 'finish', self.assembly)['accepted'])

    def test_the_same_result_twice_is_applied_once(self):
        self.act(self.token, 'start', self.molding)
        step = self.steps(self.molding)[0]
        item = {'client_id': 'c-1', 'operation': 'record', 'workorder_id': self.molding.id,
                'step_id': step.id, 'payload': {}}
        first = self.api('act', token=self.token, item=item)
        again = self.api('act', token=self.token, item=item)
        self.assertTrue(first['accepted'])
        self.assertTrue(again['duplicate'])
        self.assertEqual(again['result_id'], first['result_id'])
        self.assertEqual(self.env['mes.kiosk.result'].search_count(
            [('client_id', '=', 'c-1')]), 1)

    def test_offline_replay_in_order_once_and_refusals_become_exceptions(self):
        self.act(self.token, 'start', self.molding)
        steps = self.steps(self.molding)
        session = self.device.session_ids.filtered(lambda s: s.state == 'active')
        base = {'session_id': session.id, 'workorder_id': self.molding.id}
        items = [
            dict(base, client_id='off-3', sequence=3, operation='record', step_id=steps[2].id,
                 payload={'value': '231.0'}, client_time='2026-12-03T08:03:00Z'),
            dict(base, client_id='off-1', sequence=1, operation='record', step_id=steps[0].id,
                 payload={}, client_time='2026-12-03T08:01:00Z'),
            dict(base, client_id='off-2', sequence=2, operation='record', step_id=steps[1].id,
                 payload={'code': 'RES-001'}, client_time='2026-12-03T08:02:00Z'),
        ]
        # the resin lot goes on hold while the tablet is offline
        self.resin_lot.with_user(self.inspector).mes_release_state = 'on_hold'
        answer = self.api('replay', items=items)['results']
        by_id = {a['client_id']: a for a in answer}
        self.assertTrue(by_id['off-1']['accepted'])
        # refused on arrival: recorded as an exception, nothing dropped
        self.assertFalse(by_id['off-2']['accepted'])
        self.assertIn('On Hold', by_id['off-2']['message'])
        self.assertTrue(by_id['off-2']['exception_id'])
        # out of order after it: refused in words, and recorded as an exception too
        self.assertFalse(by_id['off-3']['accepted'])
        exception = self.env['mes.exception'].browse(by_id['off-3']['exception_id'])
        self.assertEqual((exception.kind, exception.measured_value, exception.device_id),
                         ('offline_refused', '231.0', self.device))
        self.assertIn('2026-12-03 08:03:00', exception.description)
        self.assertEqual(steps[0].device_time, fields.Datetime.to_datetime('2026-12-03 08:01:00'))
        self.assertNotEqual(steps[0].date_done, steps[0].device_time)
        # replayed again (the tablet did not get the answer): nothing new
        count = self.env['mes.exception'].search_count([])
        again = self.api('replay', items=items)['results']
        self.assertTrue(all(a.get('duplicate') for a in again))
        self.assertEqual(self.env['mes.exception'].search_count([]), count)
        self.assertEqual(self.env['mes.kiosk.result'].search_count(
            [('client_id', 'like', 'off-')]), 3)


@tagged('post_install', '-at_install', 'mes_adversarial')
class TestKioskAdversarial(KioskCase):

    def setUp(self):
        super().setUp()
        self.production = self.released_production()
        self.molding = self.workorders(self.production)[0]

    def test_no_cookie_no_kiosk(self):
        for route in ('device', 'queue', 'workorder', 'act', 'replay', 'sign_in'):
            self.assertEqual(self.api(route)['error']['code'], 'device')
        self.opener.cookies.set('mes_kiosk_device', 'forged-token')
        self.assertEqual(self.api('queue')['error']['code'], 'device')

    def test_instruction_documents_only_for_a_paired_tablet_of_their_work_center(self):
        instruction = self.steps(self.molding)[0]
        url = '/mes/kiosk/document/%s' % instruction.id
        # no tablet, a forged one: nothing
        self.assertEqual(self.url_open(url).status_code, 403)
        self.opener.cookies.set('mes_kiosk_device', 'forged-token')
        self.assertEqual(self.url_open(url).status_code, 403)
        self.opener.cookies.clear()
        # a tablet of the assembly only: not the moulding's documents, nor what does not exist
        self.device.with_user(self.admin).write({'workcenter_ids': [(6, 0, self.wc_assembly.ids)]})
        self.pair()
        self.assertEqual(self.url_open(url).status_code, 404)
        no_document = self.steps(self.workorders(self.production)[1])[0]
        self.assertEqual(self.url_open('/mes/kiosk/document/%s' % no_document.id).status_code,
                         404)
        self.assertEqual(self.url_open('/mes/kiosk/document/999999999').status_code, 404)
        # of its own work center, until it is revoked
        self.device.with_user(self.admin).write({'workcenter_ids': [(6, 0, self.wc_molding.ids)]})
        self.assertEqual(self.url_open(url).status_code, 200)
        self.device.with_user(self.admin).action_revoke()
        self.assertEqual(self.url_open(url).status_code, 403)

    def test_a_device_sees_only_its_work_centers(self):
        self.device.with_user(self.admin).write({'workcenter_ids': [(6, 0, self.wc_assembly.ids)]})
        self.pair()
        token = self.sign_in()
        queue = self.api('queue', token=token)['workorders']
        self.assertNotIn(self.molding.id, [c['id'] for c in queue])
        self.assertEqual(self.api('workorder', token=token, workorder_id=self.molding.id)[
            'error']['code'], 'access')
        refused = self.act(token, 'start', self.molding)
        self.assertFalse(refused['accepted'])
        self.assertNotEqual(self.molding.state, 'progress')

    def test_a_forged_device_or_session_in_the_context_or_payload_counts_for_nothing(self):
        self.pair()
        token = self.sign_in()
        self.act(token, 'start', self.molding)
        step = self.steps(self.molding)[0]
        # JSON-2 style: a context key naming a device is not a device
        step.with_user(self.operator).with_context(
            mes_kiosk_origin={'device_id': self.device.id}).mes_record()
        self.assertFalse(step.device_id)
        with self.assertRaises(AccessError):
            self.env['mes.exception'].with_user(self.operator).create({
                'production_id': self.production.id, 'description': 'x',
                'device_id': self.device.id})
        # a token of another tablet's session is nobody here
        other = self.env['mes.kiosk.device'].with_user(self.admin).create({
            'name': 'Other tablet', 'workcenter_ids': [(6, 0, self.wc_molding.ids)]})
        other_session, other_token = self.env['mes.kiosk.session']._mes_sign_in(
            other, 'BADGE-SAM', '8642')
        self.assertEqual(self.api('queue', token=other_token)['error']['code'], 'session')
        replay = self.api('replay', items=[{
            'client_id': 'x-1', 'session_id': other_session.id, 'operation': 'record',
            'workorder_id': self.molding.id, 'step_id': self.steps(self.molding)[1].id,
            'payload': {'code': 'RES-001'}}])['results']
        self.assertFalse(replay[0]['accepted'])
        # unknown operations, missing ids, records of the kiosk's own tables
        self.assertFalse(self.api('act', token=token, item={'client_id': 'y', 'operation':
                                                            'unlink'})['accepted'])
        self.assertFalse(self.api('act', token=token, item={'operation': 'start'})['accepted'])
        with self.assertRaises(AccessError):
            self.env['mes.kiosk.session'].with_user(self.admin).create(
                {'device_id': self.device.id, 'user_id': self.operator.id})
        result = self.env['mes.kiosk.result'].search([], limit=1)
        with self.assertRaises(AccessError):
            result.sudo().write({'state': 'applied'})
        with self.assertRaises(AccessError):
            result.sudo().unlink()
        with self.assertRaises(AccessError):
            self.device.session_ids[:1].with_user(self.admin).write({'state': 'active'})


@tagged('post_install', '-at_install')
class TestKioskBus(KioskCase, WebsocketCase):
    """Live updates over Odoo's websocket: only the paired tablet gets its device channel."""

    def connect(self, token):
        self.env.flush_all()  # what the test wrote, the websocket's request reads
        session = self.authenticate(None, None)
        return self.websocket_connect(
            cookie='session_id=%s;mes_kiosk_device=%s' % (session.sid, token))

    def test_the_device_channel_needs_the_device_cookie_and_carries_unblocking(self):
        _device, token = self.env['mes.kiosk.device']._mes_pair(
            self.device.with_user(self.admin).mes_new_pairing_code()['code'])
        channel = (self.env.registry.db_name, 'mes.kiosk.device', self.device.id)
        name = self.device._mes_bus_channel()
        # a forged cookie: the name is not subscribed, nor the device
        intruder = self.connect('forged')
        self.subscribe(intruder, [name], self.env['bus.bus']._bus_last_id())
        self.assertNotIn(channel, dispatch._channels_to_ws)
        self.assertNotIn((self.env.registry.db_name, name), dispatch._channels_to_ws)
        tablet = self.connect(token)
        self.subscribe(tablet, [name], self.env['bus.bus']._bus_last_id())
        self.assertIn(channel, dispatch._channels_to_ws)
        # a supervisor's disposition reaches the tablet, which reloads the work order
        production = self.released_production()
        molding = self.workorders(production)[0]
        exception = self.env['mes.exception']._mes_raise(
            molding, 'other', 'Mould temperature controller alarm', severity='critical')
        exception.with_user(self.supervisor).action_disposition(
            'no_impact', 'Alarm sensor fault, replaced', 'mes_supervisor',
            PASSWORDS['supervisor'])
        self.trigger_notification_dispatching([self.device])
        notifications = json.loads(tablet.recv())
        self.assertIn(('mes_kiosk/workorders', [molding.id]),
                      [(n['message']['type'], n['message']['payload']['ids'])
                       for n in notifications])
        # revoked: the tablet is told at once
        self.device.with_user(self.admin).action_revoke()
        self.trigger_notification_dispatching([self.device])
        notifications = json.loads(tablet.recv())
        self.assertIn('mes_kiosk/revoked', [n['message']['type'] for n in notifications])


@tagged('post_install', '-at_install')
class TestKioskTour(KioskCase):
    """The kiosk in a real headless Chromium, tablet-sized."""
    browser_size = '1280x800'
    touch_enabled = True

    def test_operator_runs_a_work_order_on_the_kiosk(self):
        production = self.released_production()
        molding = self.workorders(production)[0]
        _device, token = self.env['mes.kiosk.device']._mes_pair(
            self.device.with_user(self.admin).mes_new_pairing_code()['code'])
        self.env.flush_all()
        self.start_tour('/mes/kiosk', 'mes_kiosk_run_workorder',
                        cookies={'mes_kiosk_device': token})
        steps = self.steps(molding)
        self.assertEqual(molding.state, 'done')
        self.assertEqual(steps.mapped('state'), ['done'] * 4)
        self.assertEqual(steps[2].value_entered, '231.5')
        self.assertEqual(set(steps.mapped('operator_id')), {self.operator})
        self.assertEqual(set(steps.mapped('device_id')), {self.device})
        # the wrong lot was refused and recorded, as on any other way in
        self.assertEqual(production.mes_exception_ids.mapped('kind'), ['unknown_lot'])

    def test_offline_run_survives_a_reload_and_is_held_once(self):
        production = self.released_production()
        molding = self.workorders(production)[0]
        _device, token = self.env['mes.kiosk.device']._mes_pair(
            self.device.with_user(self.admin).mes_new_pairing_code()['code'])
        offline = {'on': False, 'workers': set(), 'attached': False}
        handle_console = ChromeBrowser._handle_console
        handle_request = ChromeBrowser._handle_request_paused

        def emulate(browser, session_id=None):
            # through the DevTools protocol: the tab's network and its service worker's
            conditions = {'offline': offline['on'], 'latency': 0, 'downloadThroughput': -1,
                          'uploadThroughput': -1}
            for method, params in (('Network.enable', {}),
                                   ('Network.emulateNetworkConditions', conditions)):
                message = {'id': next(browser._request_id), 'method': method, 'params': params}
                if session_id:
                    message['sessionId'] = session_id
                browser.ws.send(json.dumps(message))

        def attached(browser, sessionId=None, targetInfo=None, **kw):
            if (targetInfo or {}).get('type') == 'service_worker':
                offline['workers'].add(sessionId)
                emulate(browser, sessionId)

        def console(browser, type, args=None, stackTrace=None, **kw):  # noqa: A002
            if not offline['attached']:
                # follow the page's service worker (it fetches the page on a reload)
                offline['attached'] = True
                browser._handlers['Target.attachedToTarget'] = functools.partial(
                    attached, browser)
                browser._websocket_send('Target.setAutoAttach', params={
                    'autoAttach': True, 'waitForDebuggerOnStart': False, 'flatten': True})
            line = args and args[0].get('value')
            if line in ('mes-kiosk-network:offline', 'mes-kiosk-network:online'):
                offline['on'] = line.endswith('offline')
                emulate(browser)
                for session_id in offline['workers']:
                    emulate(browser, session_id)
            return handle_console(browser, type, args=args, stackTrace=stackTrace, **kw)

        def request_paused(browser, **params):
            if offline['on']:
                # and every request the tab still makes fails as on a dead network
                browser._websocket_send('Fetch.failRequest', params={
                    'requestId': params['requestId'], 'errorReason': 'InternetDisconnected'})
                return None
            return handle_request(browser, **params)

        with patch.object(ChromeBrowser, '_handle_console', console), \
                patch.object(ChromeBrowser, '_handle_request_paused', request_paused):
            self.start_tour('/mes/kiosk', 'mes_kiosk_offline',
                            cookies={'mes_kiosk_device': token},
                            error_checker=lambda message: 'Failed to fetch' not in message
                            and 'ERR_INTERNET_DISCONNECTED' not in message)
        # the service worker was followed and cut too: the reload came from its cache
        self.assertTrue(offline['workers'])
        steps = self.steps(molding)
        self.assertEqual(steps.mapped('state'), ['done', 'done', 'done', 'pending'])
        self.assertEqual((steps[1].lot_id, steps[2].value_entered), (self.resin_lot, '231.5'))
        # each result held once, with the tablet's time and the time it arrived
        results = self.env['mes.kiosk.result'].search([('workorder_id', '=', molding.id),
                                                       ('operation', '=', 'record')])
        self.assertEqual(len(results), 3)
        self.assertTrue(all(results.mapped('offline')))
        self.assertEqual(len(set(results.mapped('client_id'))), 3)
        self.assertTrue(all(steps[:3].mapped('device_time')))
        self.assertEqual(set(steps[:3].mapped('operator_id')), {self.operator})


@tagged('post_install', '-at_install')
class TestKioskDemo(HttpCase):
    """The demo's tablet, as the README tells to open it: paired with the demo code, the demo
    operator in Chinese on a portrait tablet."""
    browser_size = '800x1280'
    touch_enabled = True

    def test_demo_tablet_in_chinese_portrait(self):
        self.assertTrue(self.env['ir.module.module']._get('mes_bridge').demo,
                        'this check needs the demo data (make test installs it)')
        device = self.env.ref('mes_bridge.kiosk_device_line1')
        self.assertEqual(device.workcenter_ids, self.env.ref('mes_bridge.wc_moulding')
                         | self.env.ref('mes_bridge.wc_assembly'))
        _device, token = self.env['mes.kiosk.device']._mes_pair('DEMOKIOSK2')
        self.assertEqual(device.state, 'paired')
        operator = self.env.ref('mes_bridge.user_operator')
        self.assertEqual(operator.sudo().mes_badge, 'BADGE-0001')
        self.assertTrue(operator._mes_check_kiosk_pin('2580')[0])
        self.env['res.lang']._activate_lang('zh_CN')
        self.env['ir.module.module'].search(
            [('name', 'in', ('web', 'mes_bridge'))])._update_translations('zh_CN')
        self.start_tour('/mes/kiosk?lang=zh_CN', 'mes_kiosk_demo_zh',
                        cookies={'mes_kiosk_device': token})
        self.assertEqual(device.session_ids.user_id, operator)
