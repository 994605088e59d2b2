from . import models
from . import wizards
from .lib import process_store


def uninstall_hook(env):
    """The process value storage is SQL of its own (partitions, view, queue): dropped here;
    Odoo drops the tables of the models."""
    process_store.drop_storage(env.cr)
