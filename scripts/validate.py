#!/usr/bin/env python3
"""The validation kit's report: IQ (the environment as installed, against the supported
matrix), OQ (the results of the test runs, per requirement of validation/requirements.yaml),
the configuration specification of a database, and one folder with the OQ report (PDF), the
traceability matrix (XLSX, CSV, HTML), the raw logs and a manifest of SHA-256 hashes.

    python3 scripts/validate.py --odoo-log .local/test-logs/odoo.log \\
        --junit .local/test-logs/pytest.xml --out validation-run [--database DB]

``make validate`` runs the whole test suite first (scripts/mes validate) and then this.
Exit status 0 when every testable requirement has tests and all of them passed, else 1.
"""
import argparse
import ast
import csv
import datetime
import hashlib
import html
import importlib.metadata
import importlib.util
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOG_LINE = re.compile(r'^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),\d+ \d+ (\w+) (\S+) (\S+): (.*)$')
STARTING = re.compile(r'^Starting (\w+)\.(\w+) \.\.\.')
# a failed subtest fails its test ("FAIL: Subtest TestX.test_y (report=...)")
FAILED = re.compile(r'^(FAIL|ERROR): (?:Subtest )?(\w+)\.(\w+)')
ADDON_LOGGER = re.compile(r'^odoo\.addons\.(\w+)\.tests\.')


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


kit = _load('validation_kit', os.path.join(ROOT, 'validation', 'kit.py'))


# -- IQ ---------------------------------------------------------------------------------------
def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for block in iter(lambda: handle.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def shipped_files():
    """The product's files (addons/), as git knows them, else as they are on disk."""
    try:
        listed = subprocess.run(['git', 'ls-files', 'addons'], cwd=ROOT, capture_output=True,
                                text=True, check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        listed = [os.path.relpath(os.path.join(folder, name), ROOT)
                  for folder, _dirs, names in os.walk(os.path.join(ROOT, 'addons'))
                  for name in names if '__pycache__' not in folder]
    return sorted(path for path in listed if os.path.isfile(os.path.join(ROOT, path)))


def os_release():
    try:
        with open('/etc/os-release', encoding='utf-8') as handle:
            values = dict(line.rstrip('\n').split('=', 1) for line in handle if '=' in line)
        return values.get('PRETTY_NAME', '').strip('"')
    except OSError:
        return platform.platform()


def postgres_version(dsn):
    if not dsn:
        return None
    try:
        import psycopg2
        with psycopg2.connect(**dsn) as conn, conn.cursor() as cr:
            cr.execute('SHOW server_version')
            return cr.fetchone()[0]
    except Exception as error:  # noqa: BLE001 - recorded, not hidden
        return 'unknown (%s)' % error


def installation(dsn=None):
    """The environment as installed: versions, revision, checksums, packages."""
    try:
        import odoo.release
        odoo_version = odoo.release.version
    except ImportError:
        odoo_version = None
    addons = {}
    for name in sorted(os.listdir(os.path.join(ROOT, 'addons'))):
        manifest = os.path.join(ROOT, 'addons', name, '__manifest__.py')
        if os.path.exists(manifest):
            with open(manifest, encoding='utf-8') as handle:
                addons[name] = ast.literal_eval(handle.read())['version']
    try:
        revision = subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=ROOT, capture_output=True,
                                  text=True, check=True).stdout.strip()
        dirty = bool(subprocess.run(['git', 'status', '--porcelain', 'addons'], cwd=ROOT,
                                    capture_output=True, text=True).stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        revision, dirty = None, None
    return {
        'recorded': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M:%S UTC'),
        'odoo': odoo_version, 'python': platform.python_version(),
        'postgresql': postgres_version(dsn), 'os': os_release(), 'machine': platform.machine(),
        'addons': addons, 'revision': revision, 'uncommitted_changes': dirty,
        'files': {path: sha256_file(os.path.join(ROOT, path)) for path in shipped_files()},
        'packages': sorted('%s==%s' % (dist.metadata['Name'], dist.version)
                           for dist in importlib.metadata.distributions()
                           if dist.metadata['Name']),
    }


def against_matrix(iq, matrix):
    """What differs from the supported matrix (validation/supported.yaml)."""
    differences = []
    odoo_ok = str(iq.get('odoo') or '').startswith(str(matrix['odoo']))
    if not odoo_ok:
        differences.append('Odoo %s (supported: %s)' % (iq.get('odoo'), matrix['odoo']))
    if '.'.join(iq['python'].split('.')[:2]) not in [str(v) for v in matrix['python']]:
        differences.append('Python %s (supported: %s)' % (iq['python'], ', '.join(
            str(v) for v in matrix['python'])))
    major = str(iq.get('postgresql') or '').split('.')[0]
    if major not in [str(v) for v in matrix['postgresql']]:
        differences.append('PostgreSQL %s (supported: %s)' % (iq.get('postgresql'), ', '.join(
            str(v) for v in matrix['postgresql'])))
    if not any(iq['os'].startswith(name) for name in matrix['os']):
        differences.append('OS %s (supported: %s)' % (iq['os'], ', '.join(matrix['os'])))
    if iq.get('uncommitted_changes'):
        differences.append('the addons differ from revision %s (uncommitted changes)'
                           % iq.get('revision'))
    return differences


# -- OQ ---------------------------------------------------------------------------------------
def odoo_results(path):
    """{test id: {'status', 'seconds', 'evidence'}} from Odoo's test log (--log-level=test)."""
    results, current = {}, None
    if not path or not os.path.exists(path):
        return results
    with open(path, encoding='utf-8', errors='replace') as log:
        for line in log:
            parsed = LOG_LINE.match(line.rstrip('\n'))
            if not parsed:
                if current and results[current]['status'] == 'failed' and \
                        len(results[current]['evidence']) < 600:
                    results[current]['evidence'] += line.strip()[:300] + ' '
                continue
            stamp, level, _db, logger, message = parsed.groups()
            addon = ADDON_LOGGER.match(logger)
            when = datetime.datetime.strptime(stamp, '%Y-%m-%d %H:%M:%S')
            if current and results[current].get('_start'):
                results[current]['seconds'] = (when - results[current]['_start']).total_seconds()
            start = STARTING.match(message) if addon and level == 'INFO' else None
            if start:
                current = '%s:%s.%s' % (addon.group(1), start.group(1), start.group(2))
                results[current] = {'status': 'passed', 'seconds': 0.0, '_start': when,
                                    'evidence': '%s %s' % (stamp, message[:200])}
                continue
            failed = FAILED.match(message) if addon and level in ('ERROR', 'CRITICAL') else None
            if failed:
                test = '%s:%s.%s' % (addon.group(1), failed.group(2), failed.group(3))
                entry = results.setdefault(test, {'status': 'failed', 'seconds': 0.0,
                                                  'evidence': ''})
                entry['status'] = 'failed'
                entry['evidence'] = message[:300] + ' '
                current = test
            elif level == 'INFO' and message.startswith('skipped') and current:
                results[current]['status'] = 'skipped'
    for entry in results.values():
        entry.pop('_start', None)
    return results


def pytest_results(path):
    """{test id: {...}} from pytest's JUnit report (parametrised cases folded into one)."""
    results = {}
    if not path or not os.path.exists(path):
        return results
    for case in ET.parse(path).getroot().iter('testcase'):
        module = case.get('classname', '')
        name = case.get('name', '').split('[')[0]
        parts = module.split('.')
        if parts and parts[0] == 'tests' and len(parts) >= 2:
            test = 'tests/%s.py::%s' % (parts[1], name)
            if len(parts) > 2:
                test = 'tests/%s.py::%s::%s' % (parts[1], parts[2], name)
        else:
            test = '%s::%s' % (module, name)
        status = 'passed'
        evidence = '%s (%.2f s)' % (case.get('name'), float(case.get('time') or 0))
        for child in case:
            if child.tag in ('failure', 'error'):
                status = 'failed'
                evidence = (child.get('message') or child.text or '')[:300]
            elif child.tag == 'skipped':
                status = 'skipped'
                evidence = (child.get('message') or '')[:300]
        entry = results.setdefault(test, {'status': 'passed', 'seconds': 0.0,
                                          'evidence': evidence})
        entry['seconds'] += float(case.get('time') or 0)
        if status != 'passed':
            entry['status'], entry['evidence'] = status, evidence
    return results


def trace_rows(data, tests, results):
    """One row per requirement: its tests with their results, and its verdict."""
    rows = []
    for requirement in data['requirements']:
        names = kit.tests_of(requirement, tests)
        outcome = [(name, results.get(name, {'status': 'not run', 'seconds': 0.0,
                                             'evidence': ''})) for name in names]
        if 'T' not in requirement['kind']:
            verdict = 'procedure'
        elif not outcome:
            verdict = 'no test'
        elif all(result['status'] == 'passed' for _name, result in outcome):
            verdict = 'passed'
        elif any(result['status'] in ('failed', 'skipped') for _name, result in outcome):
            verdict = 'failed'
        else:
            verdict = 'not run'
        rows.append({'id': requirement['id'], 'source': requirement['source'],
                     'title': requirement['title'], 'kind': requirement['kind'],
                     'how': requirement.get('how', ''), 'procedure': requirement.get(
                         'procedure', ''), 'gap': requirement.get('gap', ''),
                     'tests': outcome, 'verdict': verdict})
    return rows


# -- configuration specification ------------------------------------------------------------
CONFIG_QUERIES = [
    ('signature_policies', 'mes_signature_policy', """
        SELECT p.model, m.code AS meaning, l.sequence, l.signatures_required,
               l.requires_reason, l.segregated,
               (SELECT string_agg(g.name->>'en_US', ', ' ORDER BY g.id)
                  FROM mes_signature_policy_line_res_groups_rel r
                  JOIN res_groups g ON g.id = r.res_groups_id
                 WHERE r.mes_signature_policy_line_id = l.id) AS groups
          FROM mes_signature_policy p
          JOIN mes_signature_policy_line l ON l.policy_id = p.id
          JOIN mes_signature_meaning m ON m.id = l.meaning_id
         WHERE p.active ORDER BY p.model, l.sequence"""),
    ('signature_meanings', 'mes_signature_meaning', """
        SELECT code, name->>'en_US' AS name, requires_reason, active
          FROM mes_signature_meaning ORDER BY sequence, id"""),
    ('company_settings', 'res_company', None),
    ('rights', 'res_groups', """
        SELECT pr.name->>'en_US' AS application, g.name->>'en_US' AS role, u.login
          FROM res_groups g
          JOIN res_groups_privilege pr ON pr.id = g.privilege_id
          JOIN res_groups_users_rel r ON r.gid = g.id
          JOIN res_users u ON u.id = r.uid AND u.active AND NOT u.share
         ORDER BY 1, 2, 3"""),
    ('inspection_plans', 'mes_inspection_plan', """
        SELECT name, version, inspection_type, approval_state, active
          FROM mes_inspection_plan ORDER BY name, version"""),
    ('sampling_plans', 'mes_inspection_characteristic', """
        SELECT p.name AS plan, p.version, c.name AS characteristic, c.characteristic_type,
               c.sampling_method, c.inspection_level, c.aql, c.sample_size,
               c.acceptance_number, c.has_lower_limit, c.lower_limit, c.has_upper_limit,
               c.upper_limit
          FROM mes_inspection_characteristic c
          JOIN mes_inspection_plan p ON p.id = c.plan_id
         WHERE p.active ORDER BY p.name, p.version, c.sequence, c.id"""),
    ('change_reason_rules', 'mes_change_reason_rule', """
        SELECT r.name->>'en_US' AS name, r.model_name, r.on_delete, r.active,
               c.name AS company,
               (SELECT string_agg(f.name, ', ' ORDER BY f.name)
                  FROM ir_model_fields_mes_change_reason_rule_rel rel
                  JOIN ir_model_fields f ON f.id = rel.ir_model_fields_id
                 WHERE rel.mes_change_reason_rule_id = r.id) AS fields
          FROM mes_change_reason_rule r
          LEFT JOIN res_company c ON c.id = r.company_id
         ORDER BY r.model_name, r.id"""),
    ('equipment_gates', 'maintenance_equipment', None),
]


def configuration(dsn):
    """The validated configuration of a database, as lists of rows per area."""
    import psycopg2
    import psycopg2.extras
    spec = {}
    with psycopg2.connect(**dsn) as conn, conn.cursor(
            cursor_factory=psycopg2.extras.RealDictCursor) as cr:
        for area, table, query in CONFIG_QUERIES:
            cr.execute('SELECT to_regclass(%s) AS t', [table])
            if not cr.fetchone()['t']:
                continue
            if query is None:
                # every MES column of the table (company settings, equipment gates)
                cr.execute("""SELECT column_name FROM information_schema.columns
                               WHERE table_name = %s AND column_name LIKE 'mes\\_%%'
                               ORDER BY column_name""", [table])
                columns = [row['column_name'] for row in cr.fetchall()]
                if not columns:
                    continue
                key = 'name' if table == 'res_company' else 'name'
                cr.execute('SELECT %s, %s FROM %s ORDER BY id' % (
                    key, ', '.join(columns), table))
            else:
                try:
                    cr.execute(query)
                except psycopg2.Error as error:
                    conn.rollback()
                    spec[area] = [{'error': str(error).strip()}]
                    continue
            spec[area] = [{k: _plain(v) for k, v in row.items()} for row in cr.fetchall()]
    return spec


def _plain(value):
    if isinstance(value, dict):
        return value.get('en_US') or json.dumps(value, sort_keys=True)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


# -- outputs ----------------------------------------------------------------------------------
MATRIX_COLUMNS = ['Requirement', 'Source', 'Kind', 'Requirement text', 'How the product meets it',
                  'Tests', 'Results', 'Verdict', 'Procedure', 'Gap']


def matrix_values(row):
    return [row['id'], row['source'], row['kind'], row['title'], row['how'],
            '\n'.join(name for name, _result in row['tests']),
            '\n'.join('%s %.1f s' % (result['status'], result['seconds'])
                      for _name, result in row['tests']),
            row['verdict'], row['procedure'], row['gap']]


def write_csv(path, rows):
    with open(path, 'w', encoding='utf-8-sig', newline='') as handle:
        writer = csv.writer(handle)
        writer.writerow(MATRIX_COLUMNS)
        for row in rows:
            # a cell starting with = + - @ is text, never a formula (the trace is evidence)
            writer.writerow([("'" + v) if isinstance(v, str) and v[:1] in '=+-@' else v
                             for v in matrix_values(row)])


def write_xlsx(path, rows):
    import xlsxwriter
    book = xlsxwriter.Workbook(path, {'strings_to_formulas': False, 'strings_to_urls': False})
    sheet = book.add_worksheet('Traceability')
    bold = book.add_format({'bold': True, 'text_wrap': True, 'valign': 'top'})
    wrap = book.add_format({'text_wrap': True, 'valign': 'top'})
    for col, title in enumerate(MATRIX_COLUMNS):
        sheet.write(0, col, title, bold)
    for index, row in enumerate(rows, start=1):
        for col, value in enumerate(matrix_values(row)):
            sheet.write_string(index, col, str(value or ''), wrap)
    sheet.set_column(0, 2, 12)
    sheet.set_column(3, 4, 50)
    sheet.set_column(5, 6, 60)
    sheet.set_column(7, 9, 30)
    sheet.autofilter(0, 0, len(rows), len(MATRIX_COLUMNS) - 1)
    sheet.freeze_panes(1, 1)
    book.close()


def write_html(path, rows, counts):
    cells = ''.join('<th>%s</th>' % html.escape(c) for c in MATRIX_COLUMNS)
    body = []
    for row in rows:
        values = matrix_values(row)
        body.append('<tr class="%s">%s</tr>' % (row['verdict'].replace(' ', '-'), ''.join(
            '<td>%s</td>' % html.escape(str(v or '')).replace('\n', '<br>') for v in values)))
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write('<!DOCTYPE html><html><head><meta charset="utf-8"><title>Traceability '
                     'matrix</title><style>body{font-family:sans-serif;font-size:12px}'
                     'table{border-collapse:collapse}td,th{border:1px solid #999;padding:3px;'
                     'vertical-align:top}.failed,.no-test{background:#fdd}.passed{background:'
                     '#efe}</style></head><body><h1>Traceability matrix</h1><p>%s</p><table>'
                     '<tr>%s</tr>%s</table></body></html>' % (
                         html.escape(json.dumps(counts, sort_keys=True)), cells, ''.join(body)))


def translator(lang):
    """The report's own words in ``lang`` (validation/i18n/<lang>.po; English without one).
    Requirement texts, test names and evidence stay as written (English)."""
    if not lang or lang.startswith('en'):
        return lambda text: text
    from babel.messages.pofile import read_po
    with open(os.path.join(ROOT, 'validation', 'i18n', '%s.po' % lang), 'rb') as handle:
        catalog = read_po(handle)
    words = {message.id: message.string for message in catalog
             if message.id and message.string and not message.fuzzy}
    return lambda text: words.get(text, text)


def write_pdf(path, rows, iq, differences, counts, lang=None, untraced=()):
    _ = translator(lang)
    pdf_document = _load('mes_pdf_document', os.path.join(
        ROOT, 'addons', 'mes_quality', 'lib', 'pdf_document.py'))
    verdicts = {}
    for row in rows:
        verdicts[row['verdict']] = verdicts.get(row['verdict'], 0) + 1
    deviations = [[row['id'], _(row['verdict']), '; '.join(
        '%s: %s' % (name, result['evidence'][:160]) for name, result in row['tests']
        if result['status'] != 'passed') or row['gap'] or '-'] for row in rows
        if row['verdict'] in ('failed', 'no test', 'not run')]
    deviations += [['-', _('failed'), '%s: %s' % (name, result['evidence'][:160])]
                   for name, result in untraced]
    doc = {
        'title': _('Operational Qualification Report'),
        'running_header': _('OQ report - %(recorded)s - revision %(revision)s') % {
            'recorded': iq['recorded'], 'revision': (iq.get('revision') or '?')[:12]},
        'document_number': 'OQ %s' % iq['recorded'],
        'orientation': 'landscape',
        'meta': [(_('Scope'), _('Operational qualification of the MES addons (%(addons)s) '
                                'against %(count)d requirements') % {
                     'addons': ', '.join('%s %s' % item for item in iq['addons'].items()),
                     'count': counts['requirements']}),
                 ('Odoo', str(iq.get('odoo'))), ('Python', iq['python']),
                 ('PostgreSQL', str(iq.get('postgresql'))), (_('Operating system'), iq['os']),
                 (_('Revision'), str(iq.get('revision'))),
                 (_('Files checked'), str(len(iq['files'])))],
        'sections': [
            {'title': _('Summary'), 'key_values': [
                (_('Requirements'), str(counts['requirements'])),
                (_('By source'), ', '.join('%s %s' % kv for kv in sorted(
                    counts['by_source'].items()))),
                (_('By kind'), ', '.join('%s %s' % kv for kv in sorted(
                    counts['by_kind'].items()))),
                (_('Testable requirements with tests'), _('%(covered)s of %(testable)s') % {
                    'covered': counts['testable_covered'], 'testable': counts['testable']}),
                (_('Tests mapped'), str(counts['tests_mapped'])),
                (_('Verdicts'), ', '.join('%s %s' % (_(verdict), count)
                                          for verdict, count in sorted(verdicts.items())))]},
            {'title': _('Installation (IQ): differences from the supported matrix'),
             'paragraphs': differences or [_('None: the installation is within the '
                                             'supported matrix.')]},
            {'title': _('Deviations'), 'table': {
                'columns': [_('Requirement'), _('Verdict'), _('Evidence')],
                'rows': deviations or [['-', _('none'),
                                        _('Every testable requirement passed.')]],
                'widths': [1.2, 1, 8]}},
            {'title': _('Requirements and their tests'), 'table': {
                'columns': [_('Requirement'), _('Kind'), _('Requirement text'), _('Tests'),
                            _('Result'), _('Duration'), _('Evidence')],
                'rows': [[row['id'], row['kind'], row['title'],
                          '\n'.join(name for name, _r in row['tests']) or (
                              row['procedure'] or '-'),
                          _(row['verdict']),
                          '%.1f s' % sum(r['seconds'] for _n, r in row['tests']),
                          (row['tests'][0][1]['evidence'][:120] if row['tests'] else '')]
                         for row in rows],
                'widths': [1.1, 0.6, 3, 4, 0.8, 0.7, 2.6]}},
        ],
        'statement': _('This report was produced by scripts/validate.py from the test logs of '
                       'this installation. QA reviews and signs it in the product.'),
        'signatures': [],
        'labels': {'signatures': _('Signatures')},
    }
    with open(path, 'wb') as handle:
        handle.write(pdf_document.render_document(doc))


def write_manifest(folder):
    files = {}
    for current, _dirs, names in os.walk(folder):
        for name in sorted(names):
            full = os.path.join(current, name)
            relative = os.path.relpath(full, folder)
            if relative != 'manifest.json':
                files[relative] = sha256_file(full)
    with open(os.path.join(folder, 'manifest.json'), 'w', encoding='utf-8') as handle:
        json.dump({'files': dict(sorted(files.items()))}, handle, indent=1, sort_keys=True)
    return files


def verify(folder):
    """Check a validation folder as QA would before signing: every file as the manifest
    says, every requirement of the trace in the matrix and the report, every testable one
    passed by at least one test. Returns the problems (none: the folder holds)."""
    import pypdf
    problems = []
    try:
        with open(os.path.join(folder, 'manifest.json'), encoding='utf-8') as handle:
            manifest = json.load(handle)['files']
    except (OSError, ValueError, KeyError) as error:
        return ['manifest.json is not readable: %s' % error]
    on_disk = set()
    for current, _dirs, names in os.walk(folder):
        for name in names:
            on_disk.add(os.path.relpath(os.path.join(current, name), folder))
    on_disk.discard('manifest.json')
    for name in sorted(set(manifest) - on_disk):
        problems.append('%s is in the manifest but missing' % name)
    for name in sorted(on_disk - set(manifest)):
        problems.append('%s is not in the manifest' % name)
    for name in sorted(set(manifest) & on_disk):
        if sha256_file(os.path.join(folder, name)) != manifest[name]:
            problems.append('%s does not match its hash in the manifest' % name)
    data = kit.load_requirements(os.path.join(ROOT, 'validation', 'requirements.yaml'))
    expected = [r['id'] for r in data['requirements']]
    testable = {r['id'] for r in data['requirements'] if 'T' in r['kind']}
    try:
        with open(os.path.join(folder, 'summary.json'), encoding='utf-8') as handle:
            summary = json.load(handle)
        with open(os.path.join(folder, 'traceability.csv'), encoding='utf-8-sig') as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, ValueError) as error:
        return problems + ['the summary or the matrix is not readable: %s' % error]
    for name in summary.get('untraced_failures') or []:
        problems.append('%s failed (no requirement names it)' % name)
    if summary['counts']['requirements'] != len(expected):
        problems.append('the summary counts %s requirements, the trace has %s' % (
            summary['counts']['requirements'], len(expected)))
    if [row['Requirement'] for row in rows] != expected:
        problems.append('the matrix does not list the requirements of the trace in order')
    for row in rows:
        if row['Requirement'] not in testable:
            continue
        passed = [line for line in row['Results'].splitlines() if line.startswith('passed')]
        if row['Verdict'] != 'passed' or not row['Tests'].strip() or not passed:
            problems.append('%s: %s (%s)' % (row['Requirement'], row['Verdict'],
                                             row['Results'].replace('\n', ', ') or 'no test'))
    for name, title in (('oq-report.pdf', 'Operational Qualification Report'),
                        ('oq-report.zh_CN.pdf', None)):
        try:
            text = ' '.join(' '.join(page.extract_text() or '' for page in pypdf.PdfReader(
                os.path.join(folder, name)).pages).split())
        except Exception as error:  # noqa: BLE001 - any unreadable PDF is a finding
            problems.append('%s is not readable: %s' % (name, error))
            continue
        if title and title not in text:
            problems.append('%s has no title' % name)
        missing = [rid for rid in expected if rid not in text]
        if missing:
            problems.append('%s lacks %d requirements (%s...)' % (name, len(missing),
                                                                 ', '.join(missing[:5])))
    try:
        import openpyxl
        sheet = openpyxl.load_workbook(os.path.join(folder, 'traceability.xlsx')).active
        if sheet.max_row != len(expected) + 1:
            problems.append('traceability.xlsx has %d rows for %d requirements' % (
                sheet.max_row - 1, len(expected)))
    except Exception as error:  # noqa: BLE001
        problems.append('traceability.xlsx is not readable: %s' % error)
    return problems


def record(folder, database, addons_path):
    """Import the folder as a Validation Run of ``database`` (QA reviews and signs it there)."""
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry
    from odoo.tools import config
    options = ['-d', database, '--db_host', os.environ.get('PGHOST', '127.0.0.1'),
               '--db_port', os.environ.get('PGPORT', '5432')]
    if os.environ.get('PGUSER'):
        options += ['--db_user', os.environ['PGUSER']]
    if os.environ.get('PGPASSWORD'):
        options += ['--db_password', os.environ['PGPASSWORD']]
    if addons_path:
        options += ['--addons-path', addons_path]
    config.parse_config(options)
    odoo.modules.module.initialize_sys_path()
    with Registry(database).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        run = env['mes.validation.run']._mes_import_folder(folder)
        print('validation: recorded as "%s" (id %s) in database %s' % (run.name, run.id,
                                                                      database))


def run(args):
    import yaml
    os.makedirs(args.out, exist_ok=True)
    dsn = None
    if args.database:
        dsn = {'dbname': args.database, 'host': os.environ.get('PGHOST', '127.0.0.1'),
               'port': os.environ.get('PGPORT', '5432'), 'user': os.environ.get('PGUSER') or None,
               'password': os.environ.get('PGPASSWORD') or None}
    iq = installation(dsn or ({'dbname': 'postgres', 'host': os.environ.get('PGHOST', '127.0.0.1'),
                               'port': os.environ.get('PGPORT', '5432'),
                               'user': os.environ.get('PGUSER') or None,
                               'password': os.environ.get('PGPASSWORD') or None}))
    with open(os.path.join(ROOT, 'validation', 'supported.yaml'), encoding='utf-8') as handle:
        differences = against_matrix(iq, yaml.safe_load(handle))
    data = kit.load_requirements(os.path.join(ROOT, 'validation', 'requirements.yaml'))
    tests = kit.collect_tests(ROOT)
    problems = kit.check(data, tests)
    results = dict(odoo_results(args.odoo_log))
    results.update(pytest_results(args.junit))
    rows = trace_rows(data, tests, results)
    counts = kit.counts(data, tests)
    # a failed test that no requirement names is a deviation all the same
    traced_tests = {name for row in rows for name, _result in row['tests']}
    untraced_failures = sorted(name for name, result in results.items()
                               if result['status'] == 'failed' and name not in traced_tests)
    with open(os.path.join(args.out, 'iq.json'), 'w', encoding='utf-8') as handle:
        json.dump(dict(iq, differences=differences), handle, indent=1, sort_keys=True)
    if dsn:
        with open(os.path.join(args.out, 'configuration.json'), 'w', encoding='utf-8') as handle:
            json.dump(configuration(dsn), handle, indent=1, sort_keys=True, default=str)
    logs = os.path.join(args.out, 'logs')
    os.makedirs(logs, exist_ok=True)
    for path in (args.odoo_log, args.junit):
        if path and os.path.exists(path):
            shutil.copy(path, logs)
    write_csv(os.path.join(args.out, 'traceability.csv'), rows)
    write_xlsx(os.path.join(args.out, 'traceability.xlsx'), rows)
    write_html(os.path.join(args.out, 'traceability.html'), rows, counts)
    untraced = [(name, results[name]) for name in untraced_failures]
    write_pdf(os.path.join(args.out, 'oq-report.pdf'), rows, iq, differences, counts,
              untraced=untraced)
    # the same report in Chinese (NMPA inspections): the report's words, not the requirements'
    write_pdf(os.path.join(args.out, 'oq-report.zh_CN.pdf'), rows, iq, differences, counts,
              lang='zh_CN', untraced=untraced)
    verdicts = {}
    for row in rows:
        verdicts[row['verdict']] = verdicts.get(row['verdict'], 0) + 1
    with open(os.path.join(args.out, 'summary.json'), 'w', encoding='utf-8') as handle:
        json.dump({'counts': counts, 'verdicts': verdicts, 'trace_problems': problems,
                   'untraced_failures': untraced_failures,
                   'differences': differences}, handle, indent=1, sort_keys=True)
    write_manifest(args.out)
    # the folder as QA receives it: hashes, the whole trace, every testable requirement passed
    findings = verify(args.out)
    for finding in findings:
        print('verify: %s' % finding)
    if args.record:
        record(args.out, args.record, args.addons_path)
    bad = [row['id'] for row in rows if row['verdict'] in ('failed', 'no test', 'not run')]
    print('validation: %d requirements, %s; %d trace problems; IQ differences: %d; folder '
          'check: %s; folder %s' % (
              counts['requirements'], ', '.join('%s %s' % kv for kv in sorted(verdicts.items())),
              len(problems), len(differences),
              '%d problems' % len(findings) if findings else 'holds', args.out))
    if untraced_failures:
        print('validation: failed tests no requirement names: %s' % ', '.join(
            untraced_failures))
    return 1 if bad or problems or findings or untraced_failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--odoo-log', default=os.path.join(ROOT, '.local', 'test-logs',
                                                           'odoo.log'))
    parser.add_argument('--junit', default=os.path.join(ROOT, '.local', 'test-logs',
                                                        'pytest.xml'))
    parser.add_argument('--out', default=os.path.join(ROOT, 'validation-run'))
    parser.add_argument('--database', help='the database whose configuration is specified')
    parser.add_argument('--record', metavar='DATABASE',
                        help='import the run as a Validation Run of this database')
    parser.add_argument('--addons-path', help="Odoo's addons path (with --record)")
    parser.add_argument('--verify', metavar='FOLDER',
                        help='only check a validation folder (hashes, trace, results) and exit')
    args = parser.parse_args()
    if args.verify:
        problems = verify(args.verify)
        for problem in problems:
            print('verify: %s' % problem)
        print('verify: %s %s' % (args.verify, 'FAILS (%d problems)' % len(problems)
                                  if problems else 'holds'))
        sys.exit(1 if problems else 0)
    sys.exit(run(args))


if __name__ == '__main__':
    main()
