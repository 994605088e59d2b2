"""The validation kit's traceability rules, in plain Python (no Odoo): read
``validation/requirements.yaml``, find every test of the repository by reading its source,
and say what does not hold.

A test id is ``<addon>:<TestClass>.<test_method>`` for Odoo's runner (the addon whose
``tests/`` folder holds it) and ``tests/<file>.py::<function>`` (or ``::<Class>::<method>``)
for pytest. A test may also name the requirements it demonstrates in its docstring (or its
class's) with a line ``Requirements: P11-10e, A11-9``: every id named there must be in the
file, and is traced to the test as if the file listed it.
"""
import ast
import os
import re

import yaml

KINDS = ('T', 'P', 'T+P')
MARKER = re.compile(r'^\s*Requirements?:\s*(.+?)\s*$', re.M)
ID = re.compile(r'^[A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9.]+)+$')


def load_requirements(path):
    with open(path, encoding='utf-8') as handle:
        data = yaml.safe_load(handle)
    return data


def _markers(node):
    doc = ast.get_docstring(node) or ''
    ids = []
    for match in MARKER.finditer(doc):
        ids += [part.strip() for part in match.group(1).split(',') if part.strip()]
    return ids


def _test_methods(tree):
    """{class name: (bases, {method: markers}, class markers)} and module functions."""
    classes, functions = {}, {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            methods = {item.name: _markers(item) for item in node.body
                       if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
                       and item.name.startswith('test')}
            bases = [base.id if isinstance(base, ast.Name) else getattr(base, 'attr', '')
                     for base in node.bases]
            classes[node.name] = (bases, methods, _markers(node))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and \
                node.name.startswith('test'):
            functions[node.name] = _markers(node)
    return classes, functions


def collect_tests(root):
    """Every test of the repository: ``{test id: [requirement ids named in docstrings]}``.

    Odoo tests: the classes of ``addons/*/tests`` and ``tests/addons/*/tests`` with their
    own and inherited (same module) test methods; pytest tests: ``tests/test_*.py``.
    """
    tests = {}
    suites = []
    for base in (os.path.join(root, 'addons'), os.path.join(root, 'tests', 'addons')):
        if os.path.isdir(base):
            for addon in sorted(os.listdir(base)):
                folder = os.path.join(base, addon, 'tests')
                if os.path.isdir(folder):
                    suites.append((addon, folder))
    for addon, folder in suites:
        for name in sorted(os.listdir(folder)):
            if not (name.startswith('test') and name.endswith('.py')):
                continue
            with open(os.path.join(folder, name), encoding='utf-8') as handle:
                classes, _functions = _test_methods(ast.parse(handle.read()))
            for cls, (_bases, _methods, _marks) in classes.items():
                for method, marks in _inherited(classes, cls).items():
                    tests['%s:%s.%s' % (addon, cls, method)] = marks
    folder = os.path.join(root, 'tests')
    for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else ():
        if not (name.startswith('test_') and name.endswith('.py')):
            continue
        with open(os.path.join(folder, name), encoding='utf-8') as handle:
            classes, functions = _test_methods(ast.parse(handle.read()))
        for function, marks in functions.items():
            tests['tests/%s::%s' % (name, function)] = marks
        for cls, (_bases, methods, class_marks) in classes.items():
            if cls.startswith('Test'):
                for method, marks in methods.items():
                    tests['tests/%s::%s::%s' % (name, cls, method)] = marks + class_marks
    return tests


def _inherited(classes, name, seen=None):
    """Test methods of class ``name`` with those of its bases defined in the same module
    (an Odoo runner runs inherited test methods in the subclass too)."""
    seen = seen or set()
    if name in seen or name not in classes:
        return {}
    seen.add(name)
    bases, methods, class_marks = classes[name]
    result = {}
    for base in bases:
        result.update(_inherited(classes, base, seen))
    result.update({method: marks + class_marks for method, marks in methods.items()})
    return result


def check(data, tests):
    """Problems of the trace (empty when it holds): ``[(requirement or test id, message)]``.

    - every requirement has an id (unique), a source, a title, a kind T / P / T+P;
    - a T or T+P requirement names at least one test, and every test it names exists;
    - a P or T+P requirement says which procedure it relies on;
    - a test's docstring names only requirements of the file.
    """
    problems = []
    requirements = data.get('requirements') or []
    sources = data.get('sources') or {}
    seen = set()
    for requirement in requirements:
        rid = requirement.get('id')
        if not rid or not ID.match(str(rid)):
            problems.append((str(rid), 'has no valid id'))
            continue
        if rid in seen:
            problems.append((rid, 'is listed twice'))
        seen.add(rid)
        if requirement.get('source') not in sources:
            problems.append((rid, 'has an unknown source %r' % requirement.get('source')))
        if not (requirement.get('title') or '').strip():
            problems.append((rid, 'has no title'))
        kind = requirement.get('kind')
        if kind not in KINDS:
            problems.append((rid, 'has kind %r (T, P or T+P)' % kind))
            continue
        named = requirement.get('tests') or []
        if 'T' in kind and not named and not traced(tests, rid):
            problems.append((rid, 'is testable but names no test'))
        for test in named:
            if test not in tests:
                problems.append((rid, 'names test %s, which does not exist' % test))
        if 'P' in kind and not (requirement.get('procedure') or '').strip():
            problems.append((rid, 'relies on a procedure but names none'))
    for test, marks in sorted(tests.items()):
        for rid in marks:
            if rid not in seen:
                problems.append((test, 'is tagged with requirement %s, which is not in the '
                                       'file' % rid))
    return problems


def traced(tests, rid):
    """Tests whose docstring names requirement ``rid``."""
    return sorted(test for test, marks in tests.items() if rid in marks)


def tests_of(requirement, tests):
    """Every test of a requirement: those the file names, then those tagged with it."""
    named = list(requirement.get('tests') or [])
    return named + [test for test in traced(tests, requirement['id']) if test not in named]


def counts(data, tests):
    """The figures a validation report states."""
    requirements = data.get('requirements') or []
    by_source, by_kind = {}, {}
    covered, mapped = 0, set()
    for requirement in requirements:
        by_source[requirement['source']] = by_source.get(requirement['source'], 0) + 1
        by_kind[requirement['kind']] = by_kind.get(requirement['kind'], 0) + 1
        its_tests = [t for t in tests_of(requirement, tests) if t in tests]
        if 'T' in requirement['kind'] and its_tests:
            covered += 1
        mapped.update(its_tests)
    testable = sum(1 for r in requirements if 'T' in r['kind'])
    return {'requirements': len(requirements), 'by_source': by_source, 'by_kind': by_kind,
            'testable': testable, 'testable_covered': covered, 'tests_mapped': len(mapped),
            'gaps': [r['id'] for r in requirements if r.get('gap')]}
