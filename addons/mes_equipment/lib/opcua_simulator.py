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
import logging
import math
import random

_logger = logging.getLogger(__name__)
NAMESPACE = 'urn:odoo-mes:simulator'

MACHINES = {
    'IMM-01': {'BarrelTemp': 230.0, 'InjectionPressure': 850.0, 'GoodCount': 0,
               'TotalCount': 0},
    'LT-02': {'LeakRate': 0.0008, 'GoodCount': 0, 'TotalCount': 0},
    'EO-01': {'ChamberTemp': 50.0, 'Humidity': 60.0},
}


async def build(port, host='127.0.0.1'):
    from asyncua import Server, ua
    server = Server()
    await server.init()
    server.set_endpoint('opc.tcp://%s:%d/mes-sim/' % (host, port))
    server.set_server_name('Odoo MES equipment simulator')
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
    return server, variables


async def run(port, rate, host='127.0.0.1', seed=1, stop_after=None):
    """Serve and change every parameter ``rate`` times per second."""
    from asyncua import ua
    server, variables = await build(port, host)
    rng = random.Random(seed)
    state = {machine: dict(values) for machine, values in MACHINES.items()}
    period = 1.0 / rate if rate else 1.0
    tick = 0
    async with server:
        _logger.info('simulator serving on opc.tcp://%s:%d/mes-sim/', host, port)
        print('SIMULATOR READY opc.tcp://%s:%d/mes-sim/' % (host, port), flush=True)
        while stop_after is None or tick < stop_after:
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
            await asyncio.sleep(period)


def main(argv=None):
    parser = argparse.ArgumentParser(description='Odoo MES OPC UA equipment simulator')
    parser.add_argument('--port', type=int, default=4840)
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--rate', type=float, default=2.0, help='value changes per second')
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(run(args.port, args.rate, args.host))


if __name__ == '__main__':
    main()
