import { Component } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { ScanStep } from "@mes_bridge/kiosk/kiosk_app";

/** An in-process inspection on the kiosk: it is started here, its samples are recorded and
 * decided by quality, and the step completes once it is decided. */
export class InspectionStep extends Component {
    static template = "mes_quality.KioskInspectionStep";
    static props = { step: Object, record: Function, offline: Boolean };
}

/** Labelling inspection: the printed label is scanned like a lot. */
export class LabelStep extends ScanStep {
    static template = "mes_quality.KioskLabelStep";
}

registry.category("mes_kiosk_steps").add("inspection", InspectionStep);
registry.category("mes_kiosk_steps").add("label", LabelStep);
