from . import mes_opcua_browse
