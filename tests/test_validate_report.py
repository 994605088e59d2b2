"""The validation kit's report (scripts/validate.py) from test logs: the OQ report PDF, the
traceability matrix and the manifest say what the logs say. The logs are written here, as Odoo's
runner and pytest write them: one run where every mapped test passed, one where a test failed
and one was skipped. The IQ part reads this machine."""
import csv
import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pypdf
from openpyxl import load_workbook
from test_validation_trace import kit

ROOT = Path(__file__).resolve().parent.parent


def write_logs(folder, failed=(), skipped=()):
    """An Odoo runner log and a JUnit report with every test of the repository."""
    tests = kit.collect_tests(str(ROOT))
    odoo, cases = [], []
    stamp = '2026-12-04 00:00:%02d,000'
    for index, test in enumerate(sorted(tests)):
        if ':' in test and '::' not in test:
            addon, rest = test.split(':', 1)
            logger = 'odoo.addons.%s.tests.test_x' % addon
            odoo.append('%s 1 INFO db %s: Starting %s ...' % (stamp % (index % 60), logger,
                                                             rest))
            if test in failed:
                odoo.append('%s 1 ERROR db %s: FAIL: %s' % (stamp % (index % 60), logger, rest))
                odoo.append('AssertionError: the release was not refused')
        else:
            path, name = test.split('::', 1)
            module = 'tests.' + Path(path).stem
            if '::' in name:
                cls, name = name.split('::')
                module += '.' + cls
            body = ''
            if test in failed:
                body = '<failure message="assert 1 == 2">trace</failure>'
            elif test in skipped:
                body = '<skipped message="no broker"/>'
            cases.append('<testcase classname="%s" name="%s[a]" time="0.25">%s</testcase>'
                         % (module, name, body))
            cases.append('<testcase classname="%s" name="%s[b]" time="0.5"/>' % (module, name))
    odoo_log = folder / 'odoo.log'
    odoo_log.write_text('\n'.join(odoo) + '\n')
    junit = folder / 'pytest.xml'
    junit.write_text('<?xml version="1.0"?><testsuites><testsuite name="pytest" tests="%d">%s'
                     '</testsuite></testsuites>' % (len(cases), ''.join(cases)))
    return odoo_log, junit


def validate(odoo_log, junit, out):
    return subprocess.run([sys.executable, str(ROOT / 'scripts' / 'validate.py'),
                           '--odoo-log', str(odoo_log), '--junit', str(junit), '--out',
                           str(out)], capture_output=True, text=True, timeout=300)


def test_green_run_gives_a_complete_report(tmp_path):
    odoo_log, junit = write_logs(tmp_path)
    out = tmp_path / 'run'
    result = validate(odoo_log, junit, out)
    assert result.returncode == 0, result.stdout + result.stderr
    data = kit.load_requirements(ROOT / 'validation' / 'requirements.yaml')
    testable = [r['id'] for r in data['requirements'] if 'T' in r['kind']]
    summary = json.loads((out / 'summary.json').read_text())
    assert summary['counts']['requirements'] == len(data['requirements']) == 133
    assert summary['verdicts'] == {'passed': len(testable),
                                   'procedure': len(data['requirements']) - len(testable)}
    assert summary['trace_problems'] == []
    # the matrix, three ways: one row per requirement, every testable one passed
    rows = list(csv.DictReader(io.StringIO((out / 'traceability.csv').read_text(
        encoding='utf-8-sig'))))
    assert [row['Requirement'] for row in rows] == [r['id'] for r in data['requirements']]
    assert {row['Requirement'] for row in rows if row['Verdict'] == 'passed'} == set(testable)
    assert all(row['Tests'] for row in rows if row['Requirement'] in testable)
    sheet = load_workbook(out / 'traceability.xlsx').active
    assert sheet.max_row == len(rows) + 1
    assert sheet.cell(row=2, column=1).value == rows[0]['Requirement']
    assert 'P11-10e' in (out / 'traceability.html').read_text()
    # the report: scope, environment, counts and every requirement
    text = ' '.join(page.extract_text() for page in pypdf.PdfReader(
        str(out / 'oq-report.pdf')).pages)
    flat = ' '.join(text.split())
    assert 'Operational Qualification Report' in flat
    assert 'Requirements 133' in flat
    assert 'Every testable requirement passed.' in flat
    for rid in ('P11-10e', 'A11-9', 'ISO-7.5.1', 'QMSR-820.35a', 'CN-UDI-2019', 'URS-P11-01'):
        assert rid in flat, rid
    # and in Chinese: the report's words translated, the requirements as written
    text_zh = ' '.join(' '.join(page.extract_text() for page in pypdf.PdfReader(
        str(out / 'oq-report.zh_CN.pdf')).pages).split())
    for words in ('运行确认（OQ）报告', '所有可测试需求均已通过', '需求及其测试', '通过'):
        assert words in text_zh, words
    assert 'P11-10e' in text_zh and 'Every testable requirement passed.' not in text_zh
    # IQ: this machine, every shipped file hashed
    iq = json.loads((out / 'iq.json').read_text())
    assert iq['odoo'].startswith('19.0') and iq['addons']['mes_part11']
    manifest_py = 'addons/mes_part11/__manifest__.py'
    assert iq['files'][manifest_py] == hashlib.sha256(
        (ROOT / manifest_py).read_bytes()).hexdigest()
    # the manifest lists every file of the folder with its hash
    manifest = json.loads((out / 'manifest.json').read_text())['files']
    on_disk = {str(p.relative_to(out)) for p in out.rglob('*') if p.is_file()} - {
        'manifest.json'}
    assert set(manifest) == on_disk
    for name, digest in manifest.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest


def verify(folder):
    return subprocess.run([sys.executable, str(ROOT / 'scripts' / 'validate.py'), '--verify',
                           str(folder)], capture_output=True, text=True, timeout=300)


def test_the_folder_check_finds_what_qa_must_not_sign(tmp_path):
    odoo_log, junit = write_logs(tmp_path)
    out = tmp_path / 'run'
    assert validate(odoo_log, junit, out).returncode == 0
    checked = verify(out)
    assert checked.returncode == 0 and checked.stdout.strip().endswith('holds'), checked.stdout
    # a matrix edited after the run: its hash no longer matches
    matrix = out / 'traceability.csv'
    matrix.write_bytes(matrix.read_bytes().replace(b'failed', b'passed') + b' ')
    checked = verify(out)
    assert checked.returncode == 1
    assert 'traceability.csv does not match its hash in the manifest' in checked.stdout
    # a file slipped in, and one taken out
    (out / 'extra.txt').write_text('not evidence')
    (out / 'oq-report.zh_CN.pdf').unlink()
    checked = verify(out)
    assert 'extra.txt is not in the manifest' in checked.stdout
    assert 'oq-report.zh_CN.pdf is in the manifest but missing' in checked.stdout
    # a run with a failed test is not a folder to sign, even with a fresh manifest
    failed_out = tmp_path / 'failed'
    data = kit.load_requirements(ROOT / 'validation' / 'requirements.yaml')
    odoo_test = {r['id']: r for r in data['requirements']}['P11-10e']['tests'][0]
    odoo_log, junit = write_logs(tmp_path, failed={odoo_test})
    result = validate(odoo_log, junit, failed_out)
    assert result.returncode == 1 and 'verify: P11-10e: failed' in result.stdout, result.stdout
    checked = verify(failed_out)
    assert checked.returncode == 1 and 'P11-10e: failed' in checked.stdout


def test_a_failed_or_skipped_test_fails_its_requirements(tmp_path):
    data = kit.load_requirements(ROOT / 'validation' / 'requirements.yaml')
    by_id = {r['id']: r for r in data['requirements']}
    odoo_test = by_id['P11-10e']['tests'][0]
    pytest_test = next(t for t in by_id['A11d-11']['tests'] if t.startswith('tests/'))
    odoo_log, junit = write_logs(tmp_path, failed={odoo_test}, skipped={pytest_test})
    out = tmp_path / 'run'
    result = validate(odoo_log, junit, out)
    assert result.returncode == 1
    rows = {row['Requirement']: row for row in csv.DictReader(io.StringIO(
        (out / 'traceability.csv').read_text(encoding='utf-8-sig')))}
    assert rows['P11-10e']['Verdict'] == 'failed'
    assert rows['A11d-11']['Verdict'] == 'failed'
    assert 'skipped' in rows['A11d-11']['Results']
    text = ' '.join(' '.join(page.extract_text() for page in pypdf.PdfReader(
        str(out / 'oq-report.pdf')).pages).split())
    assert 'the release was not refused' in text  # the evidence of the failure, in Deviations
    assert os.path.exists(out / 'logs' / 'odoo.log')


def test_the_configuration_specification_of_a_database(tmp_path, odoo_db, admin_env):
    """Requirements: ISO-4.1.6, A11-10"""
    def configure(env):
        rule = env['mes.change.reason.rule'].search([('name', '=', 'Spec: lot states')])
        if not rule:
            env['mes.change.reason.rule'].create({
                'name': 'Spec: lot states', 'model_id': env['ir.model']._get('stock.lot').id,
                'field_ids': [(6, 0, env['ir.model.fields']._get(
                    'stock.lot', 'mes_release_state').ids)]})
        return env.company.name, env.company.mes_idle_sign_out_minutes
    company, idle = admin_env(configure)
    odoo_log, junit = write_logs(tmp_path)
    out = tmp_path / 'run'
    result = subprocess.run([sys.executable, str(ROOT / 'scripts' / 'validate.py'),
                             '--odoo-log', str(odoo_log), '--junit', str(junit), '--out',
                             str(out), '--database', odoo_db], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    spec = json.loads((out / 'configuration.json').read_text())
    # every area read (a query that fails shows as an error row: none may)
    for area in ('signature_policies', 'signature_meanings', 'company_settings', 'rights',
                 'inspection_plans', 'sampling_plans', 'change_reason_rules',
                 'equipment_gates'):
        assert spec.get(area), area
        assert not any('error' in row for row in spec[area]), (area, spec[area][:1])
    assert 'approved' in {meaning['code'] for meaning in spec['signature_meanings']}
    settings = next(row for row in spec['company_settings'] if row['name'] == company)
    assert settings['mes_idle_sign_out_minutes'] == idle
    assert 'mes_release_required' in settings and 'mes_sign_max_failures' in settings
    assert any(row['login'] == 'admin' for row in spec['rights'])
    assert any((row['name'], row['model_name'], row['fields']) == (
        'Spec: lot states', 'stock.lot', 'mes_release_state') for row in spec['change_reason_rules'])
    assert all(row['sampling_method'] for row in spec['sampling_plans'])
    # and the folder holds it, hashed
    manifest = json.loads((out / 'manifest.json').read_text())['files']
    assert manifest['configuration.json'] == hashlib.sha256(
        (out / 'configuration.json').read_bytes()).hexdigest()


def test_a_failed_subtest_and_an_untraced_failure_are_deviations(tmp_path):
    data = kit.load_requirements(ROOT / 'validation' / 'requirements.yaml')
    by_id = {r['id']: r for r in data['requirements']}
    odoo_log, junit = write_logs(tmp_path)
    addon, rest = by_id['A11-9']['tests'][0].split(':', 1)
    with odoo_log.open('a') as log:
        # one subtest of a traced test fails; a test no requirement names fails
        log.write("2026-12-04 00:01:00,000 1 ERROR db odoo.addons.%s.tests.test_x: FAIL: Subtest "
                  "%s (report='x')\nAssertionError: the subtest found no reason\n" % (addon, rest))
        log.write('2026-12-04 00:01:01,000 1 INFO db odoo.addons.mes_quality.tests.test_y: '
                  'Starting TestUntraced.test_not_in_the_trace ...\n'
                  '2026-12-04 00:01:02,000 1 ERROR db odoo.addons.mes_quality.tests.test_y: '
                  'FAIL: TestUntraced.test_not_in_the_trace\nAssertionError: the PDF lost a '
                  'line\n')
    out = tmp_path / 'run'
    result = validate(odoo_log, junit, out)
    assert result.returncode == 1
    assert 'mes_quality:TestUntraced.test_not_in_the_trace' in result.stdout
    rows = {row['Requirement']: row for row in csv.DictReader(io.StringIO(
        (out / 'traceability.csv').read_text(encoding='utf-8-sig')))}
    assert rows['A11-9']['Verdict'] == 'failed'
    summary = json.loads((out / 'summary.json').read_text())
    assert summary['untraced_failures'] == ['mes_quality:TestUntraced.test_not_in_the_trace']
    text = ' '.join(' '.join(page.extract_text() for page in pypdf.PdfReader(
        str(out / 'oq-report.pdf')).pages).split())
    assert 'the subtest found no reason' in text and 'the PDF lost a line' in text
    checked = verify(out)
    assert checked.returncode == 1
    assert 'TestUntraced.test_not_in_the_trace failed (no requirement names it)' in \
        checked.stdout
