"""The validation kit's trace (validation/requirements.yaml): every regulatory requirement of the
catalogue is there, every testable one names tests that exist, every test that names a
requirement names one of the file. No Odoo, no database: the rules are read from the sources."""
import importlib.util
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _kit():
    if 'validation_kit' not in sys.modules:
        spec = importlib.util.spec_from_file_location('validation_kit',
                                                      ROOT / 'validation' / 'kit.py')
        module = importlib.util.module_from_spec(spec)
        sys.modules['validation_kit'] = module
        spec.loader.exec_module(module)
    return sys.modules['validation_kit']


kit = _kit()


def catalogue_ids():
    """The ids of the catalogue's tables (validation/catalogue.md, a copy of the reference),
    in their order."""
    ids = []
    for line in (ROOT / 'validation' / 'catalogue.md').read_text(encoding='utf-8').splitlines():
        match = re.match(r'^\|\s*([A-Z][A-Za-z0-9]*-[^|\s]+)\s*\|', line)
        if match:
            ids.append(match.group(1))
    return ids


def test_every_catalogue_requirement_is_traced_in_its_order():
    data = kit.load_requirements(ROOT / 'validation' / 'requirements.yaml')
    ids = catalogue_ids()
    assert len(ids) == 66
    traced = [r['id'] for r in data['requirements'] if r['source'] != 'URS']
    assert traced == ids
    # and our own user requirements for each capability
    prefixes = {r['id'].rsplit('-', 1)[0] for r in data['requirements'] if r['source'] == 'URS'}
    assert {'URS-EXE', 'URS-MAT', 'URS-GEN', 'URS-QUA', 'URS-REL', 'URS-KIO', 'URS-INT',
            'URS-EQP', 'URS-P11'} <= prefixes


def test_trace_holds():
    """A T requirement without a test, a test id that does not exist, a P requirement without
    its procedure, a test tagged with an unknown requirement: each fails here, named."""
    data = kit.load_requirements(ROOT / 'validation' / 'requirements.yaml')
    tests = kit.collect_tests(str(ROOT))
    assert kit.check(data, tests) == []
    figures = kit.counts(data, tests)
    assert figures['testable_covered'] == figures['testable']


def test_the_rules_catch_a_broken_trace():
    tests = {'mes_bridge:TestX.test_a': [], 'tests/test_y.py::test_b': ['NOPE-1']}
    data = {'sources': {'P11': 'Part 11'}, 'requirements': [
        {'id': 'P11-10e', 'source': 'P11', 'title': 'audit trail', 'kind': 'T', 'tests': []},
        {'id': 'P11-10f', 'source': 'P11', 'title': 'order', 'kind': 'T',
         'tests': ['mes_bridge:TestX.test_gone']},
        {'id': 'P11-10i', 'source': 'P11', 'title': 'training', 'kind': 'P', 'tests': []},
        {'id': 'P11-10i', 'source': 'XX', 'title': '', 'kind': 'Q'},
    ]}
    problems = {}
    for rid, message in kit.check(data, tests):
        problems.setdefault(rid, []).append(message)
    assert problems['P11-10e'] == ['is testable but names no test']
    assert problems['P11-10f'] == ['names test mes_bridge:TestX.test_gone, which does not exist']
    assert problems['P11-10i'] == ['relies on a procedure but names none', 'is listed twice',
                                   "has an unknown source 'XX'", 'has no title',
                                   "has kind 'Q' (T, P or T+P)"]
    assert 'NOPE-1' in problems['tests/test_y.py::test_b'][0]
    # a docstring tag counts as a trace
    tagged = {'tests/test_y.py::test_b': ['P11-10e']}
    assert ('P11-10e', 'is testable but names no test') not in kit.check(
        {'sources': {'P11': ''}, 'requirements': data['requirements'][:1]}, tagged)


def test_test_ids_are_found_in_the_sources():
    tests = kit.collect_tests(str(ROOT))
    # an Odoo runner test, an inherited one and a pytest function
    assert 'test_mes_part11:TestAuditAnchor.test_rewritten_chain_is_detected_after_a_checkpoint' \
        in tests
    assert 'tests/test_anchor_lib.py::test_rewritten_chain_is_caught_by_the_next_checkpoint' \
        in tests
    assert tests['mes_quality:TestNonconformance.test_customer_complaint_record'] == [
        'QMSR-820.35a']
