import json

import jsonschema

from odoo.tests import tagged

from .test_production_record import RecordCase


@tagged('post_install', '-at_install')
class TestQualityEvents(RecordCase):
    """Quality's decisions reach other systems as MES events, valid per their schema."""

    def events_since(self, start):
        self.env.cr.flush()
        return self.env['mes.event'].search([('id', '>', start)], order='id')

    def test_inspection_nonconformance_and_record_release_are_events(self):
        types = self.env['mes.event.type'].search([]).mapped('code')
        for code in ('inspection.decided', 'nonconformance.state_changed',
                     'capa.stage_changed', 'production_record.released',
                     'production_record.rejected'):
            self.assertIn(code, types)
        production, lot = self.make('SYR-EVT-1')
        self.env.cr.flush()
        start = self.env['mes.event'].search([], limit=1, order='id desc').id
        self.acknowledge(self.record_of(production))
        final = self.pass_final(lot)
        nc = self.env['mes.nonconformance'].with_user(self.inspector).create({
            'title': 'Label smudged', 'product_id': self.syringe.id,
            'line_ids': [(0, 0, {'product_id': self.syringe.id, 'lot_id': lot.id,
                                 'quantity': 1, 'location_id': self.stock_location.id})]})
        nc.with_user(self.qa_manager).mes_cancel('Smudge is on the outer carton only')
        lot.with_user(self.qa_manager).write({'mes_release_state': 'quarantine'})
        record = self.recompile(self.record_of(production))
        self.assertTrue(self.release(record)['signed'])
        events = self.events_since(start)
        by_type = {}
        for event in events:
            by_type.setdefault(event.event_type, []).append(event)
            schema = json.loads(self.env['mes.event.type'].search(
                [('code', '=', event.event_type)]).json_schema)
            jsonschema.validate(event._mes_message(), schema)
        decided = json.loads(by_type['inspection.decided'][0].data)
        self.assertEqual((decided['name'], decided['decision'], decided['lot']),
                         (final.name, 'accept', 'SYR-EVT-1'))
        cancelled = json.loads(by_type['nonconformance.state_changed'][-1].data)
        self.assertEqual((cancelled['name'], cancelled['old_state'], cancelled['new_state']),
                         (nc.name, 'open', 'cancelled'))
        released = json.loads(by_type['production_record.released'][0].data)
        self.assertEqual((released['name'], released['lots'], released['by']['name']),
                         (record.name, ['SYR-EVT-1'], self.qa_manager.name))
        self.assertEqual(released['content_sha256'], record.content_hash)
        # the lot's release by the record is an event of its own too
        self.assertIn('lot.release_state_changed', by_type)
