"""An OPC UA server with realistic equipment, for the demo, the tests and the benchmark.

Plain asyncua, no Odoo. Machines (node ids ``ns=2;s=<MACHINE>.<Variable>``):

- ``IMM-01`` injection moulding: State (1 running, 2 idle, 3 down), BarrelTemp (degC),
  InjectionPressure (bar), GoodCount, TotalCount
- ``LT-02`` leak tester: State, LeakRate (mbar*l/s), GoodCount, TotalCount
- ``EO-01`` EO sterilizer: State, ChamberTemp (degC), Humidity (%RH)

Run: ``python3 -m odoo ... mes_opcua_sim --port 4840 --rate 10`` or ``python3 opcua_simulator.py``.
"""
import argparse
import asyncio
import contextlib
import logging
import math
import random
import time

_logger = logging.getLogger(__name__)
NAMESPACE = 'urn:odoo-mes:simulator'

MACHINES = {
    'IMM-01': {'BarrelTemp': 230.0, 'InjectionPressure': 850.0, 'GoodCount': 0,
               'TotalCount': 0},
    'LT-02': {'LeakRate': 0.0008, 'GoodCount': 0, 'TotalCount': 0},
    'EO-01': {'ChamberTemp': 50.0, 'Humidity': 60.0},
}


async def secure(server, secure_dir, host):
    """Basic256Sha256 Sign-and-encrypt only, trusting the client certificates (DER) found in
    ``secure_dir/trusted``; the server's own certificate is made on first start."""
    from pathlib import Path

    from asyncua import ua
    from asyncua.crypto import cert_gen
    from asyncua.crypto.truststore import TrustStore
    from asyncua.crypto.validator import CertificateValidator, CertificateValidatorOptions
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.x509.oid import ExtendedKeyUsageOID
    folder = Path(secure_dir)
    (folder / 'trusted').mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / 'server.der', folder / 'server.pem'
    if not cert_path.exists():
        key = cert_gen.generate_private_key()
        cert = cert_gen.generate_self_signed_app_certificate(
            key, 'Odoo MES simulator', {'organizationName': 'Odoo MES'},
            [x509.UniformResourceIdentifier('urn:odoo-mes:simulator'), x509.DNSName(host)],
            extended=[ExtendedKeyUsageOID.SERVER_AUTH])
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.DER))
        key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                               serialization.PrivateFormat.TraditionalOpenSSL,
                                               serialization.NoEncryption()))
    server.set_application_uri('urn:odoo-mes:simulator')
    await server.load_certificate(str(cert_path))
    await server.load_private_key(str(key_path))
    server.set_security_policy([ua.SecurityPolicyType.Basic256Sha256_SignAndEncrypt])
    store = TrustStore([folder / 'trusted'], [])
    await store.load()
    server.set_certificate_validator(CertificateValidator(
        CertificateValidatorOptions.TRUSTED | CertificateValidatorOptions.PEER_CLIENT, store))


class _PasswordUsers:
    """One user name and password; anonymous sessions are refused (--user)."""

    def __init__(self, credentials):
        self.username, _sep, self.password = credentials.partition(':')

    def get_user(self, iserver, username=None, password=None, certificate=None):
        from asyncua.crypto.permission_rules import User, UserRole
        if username == self.username and password == self.password:
            return User(role=UserRole.User, name=username)
        return None


async def build(port, host='127.0.0.1', extra=0, secure_dir=None, user=None):
    from asyncua import Server, ua
    server = Server(user_manager=_PasswordUsers(user)) if user else Server()
    await server.init()
    if user:
        server.set_identity_tokens([ua.UserNameIdentityToken])
    server.set_endpoint('opc.tcp://%s:%d/mes-sim/' % (host, port))
    server.set_server_name('Odoo MES equipment simulator')
    if secure_dir:
        await secure(server, secure_dir, host)
    else:
        server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
    idx = await server.register_namespace(NAMESPACE)
    variables = {}
    for machine, values in MACHINES.items():
        folder = await server.nodes.objects.add_object(
            ua.NodeId(machine, idx), ua.QualifiedName(machine, idx))
        node = await folder.add_variable(ua.NodeId('%s.State' % machine, idx),
                                         ua.QualifiedName('State', idx), ua.Variant(1, ua.VariantType.Int32))
        variables[(machine, 'State')] = node
        for name, value in values.items():
            vtype = ua.VariantType.Int64 if isinstance(value, int) else ua.VariantType.Double
            node = await folder.add_variable(ua.NodeId('%s.%s' % (machine, name), idx),
                                             ua.QualifiedName(name, idx), ua.Variant(value, vtype))
            variables[(machine, name)] = node
    if extra:
        # a bench of plain changing values, for ingestion benchmarks
        folder = await server.nodes.objects.add_object(ua.NodeId('BENCH', idx),
                                                       ua.QualifiedName('BENCH', idx))
        for index in range(extra):
            name = 'V%d' % index
            variables[('BENCH', name)] = await folder.add_variable(
                ua.NodeId('BENCH.%s' % name, idx), ua.QualifiedName(name, idx),
                ua.Variant(0.0, ua.VariantType.Double))
    return server, variables


async def run(port, rate, host='127.0.0.1', seed=1, stop_after=None, extra=0,
              secure_dir=None, user=None, history=3000, tick_log=None):
    """Serve and change every parameter ``rate`` times per second. ``history``: values
    each node keeps for HistoryRead (in memory, the oldest dropped; 0: no history).
    ``tick_log``: a file that gets the UTC time of every change (what a test counts as
    produced)."""
    import signal

    from asyncua import ua
    server, variables = await build(port, host, extra, secure_dir, user)
    rng = random.Random(seed)
    state = {machine: dict(values) for machine, values in MACHINES.items()}
    period = 1.0 / rate if rate else 1.0
    tick = 0
    stopping = asyncio.Event()
    with contextlib.suppress(NotImplementedError, RuntimeError):
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    log = open(tick_log, 'a', buffering=1, encoding='utf-8') if tick_log else None  # noqa: SIM115
    async with server:
        if history:
            for node in variables.values():
                await server.historize_node_data_change(node, period=None, count=history)
        _logger.info('simulator serving on opc.tcp://%s:%d/mes-sim/', host, port)
        print('SIMULATOR READY opc.tcp://%s:%d/mes-sim/' % (host, port),  # pylint: disable=print-used
              flush=True)  # (the readiness line the starting process waits for)
        while (stop_after is None or tick < stop_after) and not stopping.is_set():
            tick += 1
            t = tick * period
            imm = state['IMM-01']
            imm['BarrelTemp'] = 230.0 + 3.0 * math.sin(t / 7.0) + rng.gauss(0, 0.4)
            imm['InjectionPressure'] = 850.0 + rng.gauss(0, 5)
            imm['TotalCount'] += 1
            imm['GoodCount'] += 0 if rng.random() < 0.02 else 1
            leak = state['LT-02']
            leak['LeakRate'] = abs(0.0008 + rng.gauss(0, 0.0001))
            leak['TotalCount'] += 1
            leak['GoodCount'] += 0 if leak['LeakRate'] > 0.001 else 1
            eo = state['EO-01']
            eo['ChamberTemp'] = 50.0 + rng.gauss(0, 0.3)
            eo['Humidity'] = 60.0 + rng.gauss(0, 1.0)
            for machine, values in state.items():
                for name, value in values.items():
                    vtype = ua.VariantType.Int64 if isinstance(value, int) \
                        else ua.VariantType.Double
                    await variables[(machine, name)].write_value(ua.Variant(value, vtype))
            for index in range(extra):
                await variables[('BENCH', 'V%d' % index)].write_value(
                    ua.Variant(float(tick) + index / 1000.0, ua.VariantType.Double))
            if log:
                log.write('%.6f\n' % time.time())
            await asyncio.sleep(period)
    if log:
        log.close()
    # what a test compares with what was stored: every node changed once per tick
    print('SIMULATOR STOPPED ticks=%d' % tick, flush=True)  # pylint: disable=print-used


def main(argv=None):
    parser = argparse.ArgumentParser(description='Odoo MES OPC UA equipment simulator')
    parser.add_argument('--port', type=int, default=4840)
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--rate', type=float, default=2.0, help='value changes per second')
    parser.add_argument('--extra', type=int, default=0,
                        help='additional changing values BENCH.V0..V<n-1> (benchmarks)')
    parser.add_argument('--secure-dir', default=None,
                        help='Basic256Sha256 sign-and-encrypt; trusted client certificates '
                             'in <dir>/trusted')
    parser.add_argument('--history', type=int, default=3000,
                        help='values each node keeps for HistoryRead (0: no history)')
    parser.add_argument('--tick-log', default=None,
                        help='append the time (UTC epoch) of every change to this file')
    parser.add_argument('--user', default=None, metavar='LOGIN:PASSWORD',
                        help='sessions must log in with this user name and password '
                             '(anonymous ones are refused)')
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(run(args.port, args.rate, args.host, extra=args.extra,
                    secure_dir=args.secure_dir, user=args.user, history=args.history,
                    tick_log=args.tick_log))


if __name__ == '__main__':
    main()
