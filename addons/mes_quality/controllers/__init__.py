from . import certificate
