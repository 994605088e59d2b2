from . import controllers
from . import models
from . import wizards


def post_init_hook(env):
    """A database with production history gets its lot genealogy at install, in bulk."""
    env['mes.lot.link']._mes_backfill()
