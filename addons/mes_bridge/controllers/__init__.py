from . import login_language
