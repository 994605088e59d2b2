"""Fold Odoo's test-runner log and pytest's JUnit report into one verdict.

Prints what went wrong, then a last line ``N passed, N failed``; exits non-zero when
anything failed, errored or was skipped (a skipped test is not a passing test).
"""
import argparse
import os
import re
import sys
import xml.etree.ElementTree as ET

SUMMARY = re.compile(r'(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database')
LOG_LINE = re.compile(r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (\w+) (\S+) (\S+): (.*)$')
SKIP = re.compile(r'^skipped (.*)$')


def odoo_counts(path, rc):
    problems, passed, failed = [], 0, 0
    if not os.path.exists(path):
        return 0, 1, ['Odoo test log %s is missing' % path]
    summary, errors, skipped = None, [], []
    with open(path, encoding='utf-8', errors='replace') as log:
        for line in log:
            match = SUMMARY.search(line)
            if match:
                summary = tuple(int(n) for n in match.groups())
            parsed = LOG_LINE.match(line.rstrip('\n'))
            if not parsed:
                continue
            level, _db, logger, message = parsed.groups()
            if level in ('ERROR', 'CRITICAL'):
                errors.append('%s %s' % (logger, message))
            elif level == 'INFO' and SKIP.match(message):
                skipped.append(message)
    if summary is None:
        problems.append('Odoo did not finish installing and testing (rc=%s); first errors:' % rc)
        problems += ['  ' + e for e in errors[:10]]
        return 0, 1, problems
    n_failed, n_errors, total = summary
    passed = total - n_failed - n_errors - len(skipped)
    failed = n_failed + n_errors + len(skipped)
    problems += ['Odoo test skipped (counts as failed): ' + s for s in skipped]
    if failed == 0 and (errors or rc):
        # errors logged outside any test (install, demo data) still mean a broken product
        problems.append('Odoo logged errors outside tests (rc=%s):' % rc)
        problems += ['  ' + e for e in errors[:10]]
        failed += 1
    elif failed:
        problems += ['  ' + e for e in errors[:20]]
    return passed, failed, problems


def pytest_counts(path, rc):
    if not os.path.exists(path):
        return 0, 1, ['pytest produced no report (rc=%s)' % rc]
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == 'testsuite' else list(root.iter('testsuite'))
    total = sum(int(s.get('tests', 0)) for s in suites)
    failures = sum(int(s.get('failures', 0)) for s in suites)
    errors = sum(int(s.get('errors', 0)) for s in suites)
    skipped = sum(int(s.get('skipped', 0)) for s in suites)
    problems = []
    for case in root.iter('testcase'):
        for kind in ('failure', 'error', 'skipped'):
            node = case.find(kind)
            if node is not None:
                problems.append('pytest %s: %s::%s %s' % (
                    kind, case.get('classname'), case.get('name'), (node.get('message') or '')[:300]))
    failed = failures + errors + skipped
    if failed == 0 and rc not in (0, 5):
        problems.append('pytest exited with %s' % rc)
        failed = 1
    return total - failed, failed, problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--odoo-log', required=True)
    parser.add_argument('--odoo-rc', type=int, required=True)
    parser.add_argument('--junit', required=True)
    parser.add_argument('--pytest-rc', type=int, required=True)
    parser.add_argument('--seconds', type=int, default=0)
    parser.add_argument('--lint', action='append', default=[], metavar='NAME=RC',
                        help='a linter run and its exit code; each counts as one check')
    args = parser.parse_args()
    o_passed, o_failed, o_problems = odoo_counts(args.odoo_log, args.odoo_rc)
    p_passed, p_failed, p_problems = pytest_counts(args.junit, args.pytest_rc)
    l_passed, l_failed, l_problems = 0, 0, []
    for item in args.lint:
        name, _sep, rc = item.partition('=')
        if rc == '0':
            l_passed += 1
        else:
            l_failed += 1
            l_problems.append('%s found problems (exit code %s): see its output above' % (name, rc))
    for problem in l_problems + o_problems + p_problems:
        print(problem)
    print('lint: %d passed, %d failed; Odoo runner: %d passed, %d failed; pytest: %d passed, '
          '%d failed; %d s in all' % (l_passed, l_failed, o_passed, o_failed, p_passed,
                                      p_failed, args.seconds))
    passed, failed = l_passed + o_passed + p_passed, l_failed + o_failed + p_failed
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
