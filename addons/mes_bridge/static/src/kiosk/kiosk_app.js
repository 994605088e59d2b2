import { Component } from "@odoo/owl";

export class KioskApp extends Component {
    static template = "mes_bridge.KioskApp";
    static props = {};
}
