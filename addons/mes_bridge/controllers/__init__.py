from . import login_language
from . import kiosk
from . import b2mml
from . import integration
