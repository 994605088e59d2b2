"""``python3 -m odoo --addons-path=... mes_opcua_sim [--port 4840] [--rate 2]``: the OPC UA
equipment simulator (injection moulding machine, leak tester, sterilizer)."""
import importlib.util
from pathlib import Path

from odoo.cli.command import Command


class MesOpcuaSim(Command):
    """Run the OPC UA equipment simulator"""
    name = 'mes_opcua_sim'

    def run(self, args):
        path = Path(__file__).resolve().parent.parent / 'lib' / 'opcua_simulator.py'
        spec = importlib.util.spec_from_file_location('mes_opcua_simulator', path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.main(args)
