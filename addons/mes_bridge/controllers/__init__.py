from . import login_language
from . import kiosk
