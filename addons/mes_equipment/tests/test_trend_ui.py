import datetime

from odoo.tests import HttpCase, tagged

from ..lib import process_store


@tagged('post_install', '-at_install')
class TestProcessTrendUi(HttpCase):
    """The trend view in a real browser: a year of a tag from its hour aggregates, the last
    hours from raw values, limits and work-order bands, zoom by dragging, pan, zoom out."""

    def test_trend_draws_a_year_from_aggregates_and_hours_from_raw_values(self):
        env = self.env
        workcenter = env['mrp.workcenter'].create({'name': 'Trend cell (test)'})
        machine = env['maintenance.equipment'].create(
            {'name': 'Trend press (test)', 'mes_workcenter_id': workcenter.id})
        server = env['mes.opcua.server'].create(
            {'name': 'Trend PLC (test)', 'endpoint_url': 'opc.tcp://127.0.0.1:4997/'})
        tag = env['mes.opcua.tag'].create({
            'server_id': server.id, 'name': 'Melt temperature', 'equipment_id': machine.id,
            'node_id': 'ns=2;s=Melt', 'has_limits': True, 'lower_limit': 190.0,
            'upper_limit': 230.0})
        now = datetime.datetime.utcnow().replace(microsecond=0)
        hour = now.replace(minute=0, second=0)
        # a year of hour aggregates as the refresh writes them (their arithmetic is tested
        # in test_process_storage), and eight hours of raw values every 10 s
        env.flush_all()
        env.cr.execute("""
            INSERT INTO mes_process_aggregate (tag_id, resolution, bucket, value_min, value_max,
                value_sum, value_count, first_ts, first_value, last_ts, last_value,
                out_of_limit_seconds, excursion_count)
            SELECT %s, 'hour', b, 200 + 10 * sin(n / 24.0) - 3, 200 + 10 * sin(n / 24.0) + 3,
                   360 * (200 + 10 * sin(n / 24.0)), 360, b, 200, b + interval '59 minutes',
                   200, 0, 0
              FROM generate_series(0, 8760) n,
                   LATERAL (SELECT %s::timestamp - n * interval '1 hour' AS b) x
        """, [tag.id, hour])
        process_store.ensure_partitions(env.cr, (now - datetime.timedelta(hours=9)).date(),
                                        now.date())
        process_store.write_values(env.cr, [
            (tag.id, now - datetime.timedelta(seconds=10 * i), 210.0 + (i % 50) / 5.0, None,
             False) for i in range(8 * 360)])
        env.invalidate_all()
        year_ms = 365 * 86400 * 1000
        code = """(async () => {
            const wait = async (predicate, what) => {
                for (let i = 0; i < 200; i++) {
                    const found = predicate();
                    if (found) { return found; }
                    await new Promise((r) => setTimeout(r, 50));
                }
                throw new Error('timed out waiting for ' + what);
            };
            const status = () => document.querySelector('.o_mes_trend_status');
            const drawn = (resolution) => wait(() => {
                const s = status();
                return s && s.dataset.drawnMs && s.dataset.resolution === resolution && s;
            }, resolution + ' trend');
            try {
                const env = odoo.__WOWL_DEBUG__.root.env;
                const stop = Date.now();
                await env.services.action.doAction({
                    type: 'ir.actions.client', tag: 'mes_process_trend',
                    params: {tag_ids: [%(tag)d], date_from_ms: stop - %(year)d,
                             date_to_ms: stop}});
                let s = await drawn('hour');
                const points = parseInt(s.dataset.points);
                if (points < 8700) { throw new Error('a year has 8,760 hours: ' + points); }
                console.log('MES TREND year of hour aggregates drawn in ' + s.dataset.drawnMs
                            + ' ms, ' + points + ' points');
                if (!document.querySelector('.o_mes_trend canvas').width) {
                    throw new Error('no chart');
                }
                // the last eight hours: the raw values
                document.querySelector('.o_mes_trend_span[data-span="8h"]').click();
                s = await drawn('raw');
                if (parseInt(s.dataset.points) < 2800) {
                    throw new Error('raw points: ' + s.dataset.points);
                }
                // drag over the middle quarter of the chart: zoomed in, still raw
                const canvas = document.querySelector('.o_mes_trend canvas');
                const box = canvas.getBoundingClientRect();
                const before = document.querySelector('.o_mes_trend_range').textContent;
                const at = (x) => ({bubbles: true, clientX: box.left + x,
                                    clientY: box.top + box.height / 2});
                canvas.dispatchEvent(new MouseEvent('mousedown', at(box.width * 0.4)));
                canvas.dispatchEvent(new MouseEvent('mousemove', at(box.width * 0.6)));
                canvas.dispatchEvent(new MouseEvent('mouseup', at(box.width * 0.6)));
                await wait(() => document.querySelector('.o_mes_trend_range').textContent
                           !== before, 'zoom');
                s = await drawn('raw');
                if (parseInt(s.dataset.points) > 2000) {
                    throw new Error('zoomed in, fewer points: ' + s.dataset.points);
                }
                // pan back and zoom out: ranges move
                const zoomed = document.querySelector('.o_mes_trend_range').textContent;
                document.querySelector('.o_mes_trend_back').click();
                await wait(() => document.querySelector('.o_mes_trend_range').textContent
                           !== zoomed, 'pan');
                document.querySelector('.o_mes_trend_out').click();
                await drawn('raw');
                console.log('test successful');
            } catch (error) {
                console.error('MES trend: ' + error.message);
            }
        })()""" % {'tag': tag.id, 'year': year_ms}
        self.browser_js('/odoo', code, ready='odoo.isReady === true', login='admin',
                        timeout=120)
