"""mes_equipment's plain-Python OPC UA and OEE logic, loaded from its files (no Odoo)."""
import importlib.util
import os
import sys
import types

LIB = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                   'addons', 'mes_equipment', 'lib')


def load(name):
    package = types.ModuleType('mes_equipment_lib')
    package.__path__ = [LIB]
    sys.modules.setdefault('mes_equipment_lib', package)
    spec = importlib.util.spec_from_file_location('mes_equipment_lib.%s' % name,
                                                  os.path.join(LIB, name + '.py'))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


collector = load('opcua_collector')
security = load('opcua_security')
oee = load('oee')


def test_sequence_numbers_reveal_lost_messages():
    tracker = collector.SequenceTracker()
    assert tracker.see(1, True) == 0
    assert tracker.see(2, True) == 0
    assert tracker.see(2, False) == 0  # keep-alive: no new number
    assert tracker.see(5, True) == 2   # 3 and 4 never arrived
    assert tracker.see(4, True) == 0   # a late republish does not count twice
    assert tracker.see(6, True) == 0


def test_state_map_and_failure_words():
    assert collector.parse_state_map('1:running, 2:idle,3:down') == {
        '1': 'running', '2': 'idle', '3': 'down'}
    assert 'nothing listens' in security.explain(ConnectionRefusedError(111, 'refused'))
    assert 'does not trust' in security.explain(Exception('BadCertificateUntrusted'))


def test_generated_client_certificate_carries_the_application_uri():
    from cryptography import x509
    der, pem = security.generate_client_certificate()
    cert = x509.load_der_x509_certificate(der)
    uris = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value \
        .get_values_for_type(x509.UniformResourceIdentifier)
    assert uris == [security.APP_URI]
    assert pem.startswith(b'-----BEGIN RSA PRIVATE KEY-----')


def test_oee_arithmetic():
    result = oee.oee([('running', 0, 3600), ('down', 3600, 4500, 'Jam')], 0, 4500,
                     ideal_cycle_time=2.0, total_count=1500, good_count=1485)
    assert round(result['availability'], 4) == 0.8
    assert round(result['performance'], 4) == round(2.0 * 1500 / 3600, 4)
    assert round(result['quality'], 2) == 0.99
    assert result['downtime_by_reason'] == {'Jam': 900.0}
