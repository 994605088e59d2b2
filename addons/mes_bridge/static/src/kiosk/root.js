import { mountComponent } from "@web/env";
import { whenReady } from "@odoo/owl";
import { KioskApp } from "./kiosk_app";

whenReady(() => mountComponent(KioskApp, document.body));
