import { whenReady } from "@odoo/owl";
import { mountComponent } from "@web/env";
import { KioskApp } from "./kiosk_app";

whenReady(() => mountComponent(KioskApp, document.body));
