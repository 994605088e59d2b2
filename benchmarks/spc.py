#!/usr/bin/env python3
"""SPC at scale: limits, the eight Nelson rules and capability over 1,000,000 measurements of
one characteristic with ``mes_quality/lib/spc.py`` (numpy), against the deliberately plain
pure-Python implementation ``tests/spc_reference.py`` (the baseline), in one run; then the
chart data of the last 5,000 subgroups served over HTTP (JSON-2).

Standalone, one run, database ``mes_bench_spc`` (created here with mes_quality, dropped at
the end unless ``--keep``):

A. Computation, in-process, on ``--points`` (default 1,000,000) seeded normal values (mean
   6.5, sigma 0.01, at the gauge's 0.0001), given to both as the same Python list of floats
   (what the model reads from PostgreSQL): I-MR limits, Nelson rules 1..8 on the I series
   and Cp/Cpk/Pp/Ppk against LSL 6.45 / USL 6.55. Ours: best of ``--repeats``; baseline: one
   run. Both must agree (limits within 1e-9, capability within 1e-9 relative, the very same
   points flagged by every rule). The same again as an X-bar/R chart with n = 5
   (200,000 subgroups, built as the model builds them); there the only difference
   tolerated (counted and reported) is a rule 3/4 hit next to two subgroup means whose exact
   values are equal but come out of numpy one ulp apart (a tie for the reference, a step
   for spc.py).
B. HTTP: the same values loaded (COPY) into ``mes_spc_measurement`` for one variable
   characteristic (subgroup size 5, X-bar/R) of an approved inspection plan; a real Odoo
   server; ``POST /json/2/mes.inspection.characteristic/mes_spc_chart`` with
   ``{"ids": [id], "max_subgroups": 5000}`` and the admin's API key, warmed once, then the
   median of ``--calls`` calls (client-side wall time). The response must have 5,000
   points and the limits spc.py computes from the last 25,000 values. Reported beside it:
   the same method called in-process (no HTTP) and the pure-Python reference computing
   the same chart (limits, rules, capability) from the same 25,000 values, in-process.

    python3 benchmarks/spc.py [--points 1000000] [--repeats 5] [--calls 10] [--keep]

Targets (issue): 1,000,000 points under 2 s; chart data under 300 ms. ``ratio`` is the
baseline's time over ours for the million-point computation (A, I-MR): how many times
faster spc.py is than the pure-Python reference (> 1: ours is faster). Exits non-zero when
a target is missed or the two implementations disagree.
"""
import argparse
import datetime
import gc
import importlib.util
import io
import math
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
from _odoo_bench import ROOT, addons_path, db_args, drop_database, fresh_database, open_registry

DB = 'mes_bench_spc'
SOURCES = {'spc': os.path.join(ROOT, 'addons', 'mes_quality', 'lib', 'spc.py'),
           'spc_reference': os.path.join(ROOT, 'tests', 'spc_reference.py')}
MEAN, SIGMA, LSL, USL = 6.5, 0.01, 6.45, 6.55
SUBGROUP = 5
TARGET_POINTS_S = 2.0
TARGET_CHART_MS = 300.0


class Disagreement(Exception):
    pass


def load(name):
    spec = importlib.util.spec_from_file_location(name, SOURCES[name])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


def make_values(points, seed):
    """Seeded normal values at the gauge's resolution (0.0001), as exact decimal floats (so
    that they come back from a numeric column bit for bit)."""
    rng = np.random.default_rng(seed)
    ticks = np.rint(rng.normal(MEAN, SIGMA, points) * 10000).astype(np.int64)
    return (ticks / 10000.0).tolist()


# -- the computation, both ways ------------------------------------------------------------
def groups_of(values):
    """Consecutive subgroups of SUBGROUP values, as the model builds them."""
    return [values[i:i + SUBGROUP] for i in range(0, len(values), SUBGROUP)]


def ours_chart(spc, values, kind):
    """Limits, rules 1..8 on the main series and capability, chained as the model does."""
    chart = spc.imr(values) if kind == 'imr' else spc.xbar_r(groups_of(values))
    hits = chart.nelson(spc.ALL_RULES, 9)
    capability = spc.capability(values, LSL, USL, chart.sigma_within)
    return chart.to_dict(), {rule: idx.tolist() for rule, idx in hits.items()}, \
        capability.to_dict()


def reference_chart(ref, values, kind):
    chart = ref.imr(values) if kind == 'imr' else ref.xbar_r(groups_of(values))
    main = chart['main']
    hits = ref.nelson(main['points'], main['centre'], main['sigma'], ref.ALL_RULES, 9)
    capability = ref.capability(values, LSL, USL, chart['sigma_within'])
    return chart, hits, capability


def check_same(label, ours, reference):
    chart, hits, capability = ours
    ref_chart, ref_hits, ref_capability = reference
    for series in ('main', 'dispersion'):
        for key in ('centre', 'lcl', 'ucl', 'sigma'):
            a, b = chart[series][key], ref_chart[series][key]
            if abs(a - b) > 1e-9:
                raise Disagreement('%s: %s %s differs: ours %r, reference %r'
                                   % (label, series, key, a, b))
    if abs(chart['sigma_within'] - ref_chart['sigma_within']) > 1e-9:
        raise Disagreement('%s: sigma within differs' % label)
    for key, value in ref_capability.items():
        mine = capability[key]
        if isinstance(value, float) and not math.isclose(mine, value, rel_tol=1e-9,
                                                         abs_tol=1e-12):
            raise Disagreement('%s: capability %s differs: ours %r, reference %r'
                               % (label, key, mine, value))
        if not isinstance(value, float) and mine != value:
            raise Disagreement('%s: capability %s differs: ours %r, reference %r'
                               % (label, key, mine, value))
    explained = 0
    if hits != ref_hits:
        # Rules 3 and 4 read the direction of each step. Two subgroups whose exact means are
        # equal (a tie, which breaks a run) can come out of numpy's mean one ulp apart, and
        # then a step has a direction in one implementation and none in the other. Such
        # differences are counted and reported; any other difference is a disagreement.
        ours_steps = np.sign(np.diff(chart['main']['points']))
        ref_steps = np.sign(np.diff(ref_chart['main']['points']))
        flipped = np.flatnonzero(ours_steps != ref_steps) + 1  # index of the step's end point
        for rule in sorted(set(hits) | set(ref_hits)):
            differing = set(hits.get(rule, ())) ^ set(ref_hits.get(rule, ()))
            if not differing:
                continue
            steps = {3: 5, 4: 13}.get(rule)  # steps inside the rule's window
            for index in differing:
                near = flipped[(flipped > index - steps) & (flipped <= index)] \
                    if steps else flipped[:0]
                if not near.size:
                    raise Disagreement('%s: Nelson rule %d flags point %d in %s only' % (
                        label, rule, index,
                        'spc.py' if index in hits.get(rule, ()) else 'the reference'))
                explained += 1
    fired = {rule: len(hits.get(rule, ())) for rule in range(1, 9)}
    return fired, explained


def best_of(repeats, func, *args):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = func(*args)
        times.append(time.perf_counter() - start)
    return min(times), result


def once(func, *args):
    start = time.perf_counter()
    result = func(*args)
    return time.perf_counter() - start, result


# -- the database and the server -------------------------------------------------------------
def make_characteristic(env):
    product = env['product.product'].create({'name': 'SPC bench barrel', 'is_storable': True})
    plan = env['mes.inspection.plan'].create({
        'name': 'SPC bench plan', 'inspection_type': 'final',
        'product_tmpl_id': product.product_tmpl_id.id,
        'characteristic_ids': [(0, 0, {
            'name': 'Barrel inner diameter', 'characteristic_type': 'variable',
            'nominal': MEAN, 'lower_limit': LSL, 'upper_limit': USL, 'decimals': 4,
            'sampling_method': 'fixed', 'sample_size': SUBGROUP, 'acceptance_number': 0,
            'subgroup_size': SUBGROUP})],
    })
    # approval is a signature in the product; as superuser the lifecycle fields may be set
    plan.sudo().write({'approval_state': 'approved', 'approved_by_id': env.uid,
                       'approved_date': datetime.datetime.now()})
    characteristic = plan.characteristic_ids
    assert characteristic.chart_type == 'xbar_r', characteristic.chart_type
    return characteristic


def load_measurements(cr, characteristic, values):
    cr.execute('CREATE TEMP TABLE bench_values (seq bigserial, value numeric) ON COMMIT DROP')
    data = io.StringIO('\n'.join(map(repr, values)) + '\n')
    cr._obj.copy_expert('COPY bench_values (value) FROM STDIN', data)
    # one measurement a minute, samples numbered 1..5 within each subgroup
    cr.execute("""
        INSERT INTO mes_spc_measurement (characteristic_key, characteristic_id, company_id,
                                         seq, value, measured_at, sample_no)
        SELECT %s, %s, %s, seq, value,
               TIMESTAMP '2024-01-01 00:00:00' + seq * INTERVAL '1 minute',
               (seq - 1) %% %s + 1
          FROM bench_values ORDER BY seq
    """, [characteristic.spc_key, characteristic.id, characteristic.company_id.id, SUBGROUP])
    inserted = cr.rowcount
    cr.commit()
    cr.execute('ANALYZE mes_spc_measurement')
    cr.commit()
    return inserted


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def start_server(log):
    import requests
    port = free_port()
    cmd = [sys.executable, '-m', 'odoo', '--addons-path=' + addons_path(), '-d', DB,
           '--db-filter', '^%s$' % DB, '--http-interface', '127.0.0.1', '--http-port',
           str(port), '--workers', '0', '--max-cron-threads', '0', '--log-level', 'warn'] \
        + db_args()
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    base_url = 'http://127.0.0.1:%d' % port
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError('Odoo server exited early:\n' + open(log.name).read()[-3000:])
            try:
                if requests.get(base_url + '/web/health', timeout=5).status_code == 200:
                    return proc, base_url
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError('Odoo server did not answer on %s within 120 s' % base_url)
    except BaseException:
        stop_server(proc)
        raise


def stop_server(proc):
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--points', type=int, default=1_000_000)
    parser.add_argument('--subgroups', type=int, default=5000)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--calls', type=int, default=10)
    parser.add_argument('--seed', type=int, default=11)
    parser.add_argument('--keep', action='store_true', help='keep the database at the end')
    args = parser.parse_args()
    if args.points % SUBGROUP or args.points < args.subgroups * SUBGROUP:
        parser.error('--points must be a multiple of %d and cover --subgroups' % SUBGROUP)

    spc = load('spc')
    ref = load('spc_reference')
    values = make_values(args.points, args.seed)
    print('# %d values generated (normal, mean %g, sigma %g, seed %d)'
          % (len(values), MEAN, SIGMA, args.seed), flush=True)

    # -- A. computation over the million ----------------------------------------------------
    ours_s, ours = best_of(args.repeats, ours_chart, spc, values, 'imr')
    print('# A: I-MR limits + rules 1..8 + capability, spc.py: %.3f s (best of %d)'
          % (ours_s, args.repeats), flush=True)
    baseline_s, reference = once(reference_chart, ref, values, 'imr')
    print('# A: the same with the pure-Python reference: %.1f s' % baseline_s, flush=True)
    fired, explained = check_same('I-MR', ours, reference)
    if explained:  # the very same points: nothing may differ
        raise Disagreement('I-MR: %d flagged points differ' % explained)
    print('# A: same limits (UCL %.6f, CL %.6f, LCL %.6f), same capability (Cpk %.4f, '
          'Ppk %.4f), same points flagged; hits per rule: %s' % (
              ours[0]['main']['ucl'], ours[0]['main']['centre'], ours[0]['main']['lcl'],
              ours[2]['cpk'], ours[2]['ppk'],
              ' '.join('%d:%d' % item for item in fired.items())), flush=True)

    xbar_s, ours_x = best_of(args.repeats, ours_chart, spc, values, 'xbar_r')
    xbar_baseline_s, reference_x = once(reference_chart, ref, values, 'xbar_r')
    fired, explained = check_same('X-bar/R', ours_x, reference_x)
    print('# A: X-bar/R n=%d over %d subgroups, limits + rules + capability: spc.py %.3f s '
          '(best of %d), reference %.1f s; same limits and capability; hits per rule: %s'
          % (SUBGROUP, len(values) // SUBGROUP, xbar_s, args.repeats, xbar_baseline_s,
             ' '.join('%d:%d' % item for item in fired.items())), flush=True)
    flips = int((np.sign(np.diff(ours_x[0]['main']['points']))
                 != np.sign(np.diff(reference_x[0]['main']['points']))).sum())
    print('# A: X-bar/R: %d flagged points differ from the reference, all within rule 3/4 '
          'windows where two subgroup means with equal exact sums come out of numpy one ulp '
          'apart (%d such steps of %d)' % (explained, flips, len(values) // SUBGROUP - 1),
          flush=True)

    # -- B. the chart over HTTP --------------------------------------------------------------
    tail = values[-args.subgroups * SUBGROUP:]
    expected = spc.xbar_r(groups_of(tail))
    chart_baseline_s, reference_tail = once(reference_chart, ref, tail, 'xbar_r')
    ours_tail = ours_chart(spc, tail, 'xbar_r')
    check_same('chart data', ours_tail, reference_tail)
    print('# B: baseline: the same chart (%d subgroups) with the pure-Python reference, '
          'in-process: %.0f ms' % (args.subgroups, chart_baseline_s * 1000), flush=True)

    del ours, reference, ours_x, reference_x  # the big results: keep the heap small for B
    gc.collect()
    proc = log = None
    try:
        fresh_database(DB, modules='mes_quality')
        registry = open_registry(DB)
        from odoo import SUPERUSER_ID, api
        start = time.monotonic()
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            characteristic = make_characteristic(env)
            cr.commit()
            inserted = load_measurements(cr, characteristic, values)
            char_id = characteristic.id
            admin = env.ref('base.user_admin')
            api_key = env['res.users.apikeys'].with_user(admin)._generate(
                None, 'spc benchmark', datetime.datetime.now() + datetime.timedelta(days=1))
            cr.commit()
        print('# B: approved plan with one X-bar/R characteristic (n=%d), %d measurements '
              'loaded (COPY) and analysed in %.0f s' % (SUBGROUP, inserted,
                                                       time.monotonic() - start), flush=True)

        # the same method in-process (no HTTP), as the admin: where the time goes
        with registry.cursor() as cr:
            env = api.Environment(cr, admin.id, {})
            record = env['mes.inspection.characteristic'].browse(char_id)
            orm = []
            for _ in range(args.calls + 1):
                env.invalidate_all()
                start = time.perf_counter()
                record.mes_spc_chart(max_subgroups=args.subgroups)
                orm.append(time.perf_counter() - start)
            orm_ms = statistics.median(orm[1:]) * 1000
        print('# B: the same method in-process (ORM, no HTTP): %.0f ms (median of %d)'
              % (orm_ms, args.calls), flush=True)

        import requests
        log = tempfile.NamedTemporaryFile('w', prefix='mes_bench_spc_', suffix='.log',
                                          delete=False)
        proc, base_url = start_server(log)
        session = requests.Session()
        session.headers.update({'Authorization': 'bearer %s' % api_key,
                                'X-Odoo-Database': DB,
                                'Content-Type': 'application/json; charset=utf-8'})
        url = '%s/json/2/mes.inspection.characteristic/mes_spc_chart' % base_url
        body = {'ids': [char_id], 'max_subgroups': args.subgroups}
        calls, chart, size = [], None, 0
        for _ in range(args.calls + 1):  # the first call warms the server up
            start = time.perf_counter()
            response = session.post(url, json=body, timeout=120)
            calls.append(time.perf_counter() - start)
            if response.status_code != 200:
                raise Disagreement('JSON-2 call answered %s: %s'
                                   % (response.status_code, response.text[:500]))
            size = len(response.content)
            chart = response.json()
        http_ms = statistics.median(calls[1:]) * 1000
        if chart['kind'] != 'xbar_r' or len(chart['points']) != args.subgroups:
            raise Disagreement('chart data: %s with %d points, expected xbar_r with %d'
                               % (chart['kind'], len(chart['points']), args.subgroups))
        for key in ('centre', 'lcl', 'ucl'):
            if abs(chart[key] - getattr(expected.main, key)) > 1e-9:
                raise Disagreement('chart data: %s %r, spc.py over the last %d values: %r' % (
                    key, chart[key], len(tail), getattr(expected.main, key)))
        served = {int(rule): indices for rule, indices in chart['signals'].items()}
        if served != ours_tail[1]:
            raise Disagreement('chart data: flagged points differ from spc.py in-process')
        print('# B: POST /json/2/mes.inspection.characteristic/mes_spc_chart: %d points, '
              '%.0f kB, same limits and signals as computed here; %.0f ms (median of %d, '
              'warm; first call %.0f ms, fastest %.0f ms)'
              % (len(chart['points']), size / 1024.0, http_ms, args.calls, calls[0] * 1000,
                 min(calls[1:]) * 1000), flush=True)
    finally:
        if proc is not None:
            stop_server(proc)
        if log is not None:
            log.close()
            os.unlink(log.name)
        if not args.keep:
            try:
                from odoo.sql_db import close_db
                close_db(DB)
            except ImportError:
                pass
            drop_database(DB)
            print('# database %s dropped' % DB, flush=True)

    missed = []
    if ours_s >= TARGET_POINTS_S:
        missed.append('%d points in %.2f s (target < %g s)' % (args.points, ours_s,
                                                               TARGET_POINTS_S))
    if http_ms >= TARGET_CHART_MS:
        missed.append('chart data in %.0f ms (target < %g ms)' % (http_ms, TARGET_CHART_MS))
    for miss in missed:
        print('# TARGET MISSED: %s' % miss)
    print('RESULT name=spc points=%d ours_s=%.3f baseline_s=%.1f xbar_r_s=%.3f '
          'xbar_r_baseline_s=%.1f chart_http_ms=%.0f chart_orm_ms=%.0f chart_baseline_ms=%.0f '
          'chart_subgroups=%d target_points_s=%g target_chart_ms=%g ratio=%.1f'
          % (args.points, ours_s, baseline_s, xbar_s, xbar_baseline_s, http_ms, orm_ms,
             chart_baseline_s * 1000, len(chart['points']), TARGET_POINTS_S, TARGET_CHART_MS,
             baseline_s / ours_s))
    return 1 if missed else 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except Disagreement as error:
        print('# DISAGREEMENT: %s' % error)
        sys.exit(2)
