from odoo import models
from odoo.addons.bus.websocket import wsrequest
from odoo.http import request

KIOSK_CHANNEL_PREFIX = 'mes_kiosk_device_'


class IrWebsocket(models.AbstractModel):
    _inherit = 'ir.websocket'

    def _build_bus_channel_list(self, channels):
        """A kiosk asks for its device's channel by name; it gets the device's own (record)
        channel only when the websocket carries that device's token cookie. The name itself is
        never subscribed: anyone could send it."""
        channels = list(channels)
        kiosk = [c for c in channels if isinstance(c, str) and c.startswith(KIOSK_CHANNEL_PREFIX)]
        if kiosk:
            channels = [c for c in channels if c not in kiosk]
            req = request or wsrequest
            # the cookie's name lives with the kiosk controller (imported late: no cycle)
            from ..controllers.kiosk import DEVICE_COOKIE
            device = self.env['mes.kiosk.device'].sudo()._mes_from_token(
                req.cookies.get(DEVICE_COOKIE) if req else None)
            if device and device._mes_bus_channel() in kiosk:
                channels.append(device)
        return super()._build_bus_channel_list(channels)
