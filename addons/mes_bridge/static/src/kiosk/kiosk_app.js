import { Component, onMounted, onWillStart, onWillUnmount, useRef, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { scanBarcode } from "@web/core/barcode/barcode_dialog";
import { isBarcodeScannerSupported } from "@web/core/barcode/barcode_video_scanner";
import { MainComponentsContainer } from "@web/core/main_components_container";
import { registry } from "@web/core/registry";
import { session } from "@web/session";
import { useBus, useService } from "@web/core/utils/hooks";
import { loadPDFJSAssets } from "@web/core/utils/pdfjs";
import { limitFeedback } from "./kiosk_rules";

const stepRegistry = registry.category("mes_kiosk_steps");

/** On-screen numeric keypad: big keys, no system keyboard. */
export class Keypad extends Component {
    static template = "mes_bridge.KioskKeypad";
    static props = { value: String, onChange: Function, allowDecimal: { type: Boolean, optional: true }, allowMinus: { type: Boolean, optional: true } };

    press(key) {
        let value = this.props.value;
        if (key === "back") {
            value = value.slice(0, -1);
        } else if (key === "clear") {
            value = "";
        } else if (key === "-") {
            value = value.startsWith("-") ? value.slice(1) : "-" + value;
        } else if (key === "." && value.includes(".")) {
            return;
        } else {
            value += key;
        }
        this.props.onChange(value);
    }
}

/** A step's instruction document (PDF), drawn page by page on the tablet (Odoo's pdf.js):
 * big controls, no browser PDF plug-in (tablets have none inline), and offline it is read
 * from the copy the kiosk kept when it opened the work order. */
export class KioskDocument extends Component {
    static template = "mes_bridge.KioskDocument";
    static props = { document: Object };
    static MAX_PAGES = 60;
    setup() {
        this.state = useState({ open: false, loading: false, error: "", pages: 0, zoom: 1 });
        this.pagesRef = useRef("pages");
    }
    async open() {
        Object.assign(this.state, { open: true, loading: true, error: "", pages: 0, zoom: 1 });
        const container = this.pagesRef.el;
        container.replaceChildren();
        try {
            const response = await fetch(this.props.document.url, { credentials: "same-origin" });
            if (!response.ok) {
                throw new Error(String(response.status));
            }
            const data = new Uint8Array(await response.arrayBuffer());
            await loadPDFJSAssets();
            const pdf = await globalThis.pdfjsLib.getDocument({ data }).promise;
            const width = Math.max(container.clientWidth, 320);
            const pages = Math.min(pdf.numPages, KioskDocument.MAX_PAGES);
            for (let number = 1; number <= pages; number++) {
                const page = await pdf.getPage(number);
                const natural = page.getViewport({ scale: 1 });
                // sharp up to twice the width (the zoom buttons)
                const scale = (width / natural.width) * Math.min(window.devicePixelRatio || 1, 2) * 1.5;
                const viewport = page.getViewport({ scale });
                const canvas = document.createElement("canvas");
                canvas.className = "o_mes_kiosk_document_page shadow-sm mb-3";
                canvas.width = Math.floor(viewport.width);
                canvas.height = Math.floor(viewport.height);
                canvas.dataset.page = String(number);
                await page.render({ canvasContext: canvas.getContext("2d"), viewport }).promise;
                container.appendChild(canvas);
                this.state.pages = number;
            }
            if (pdf.numPages > pages) {
                this.state.error = _t("Only the first %(count)s pages are shown here.", { count: pages });
            }
        } catch {
            this.state.error = _t("The document cannot be shown: this tablet did not keep it while the server could be reached.");
        } finally {
            this.state.loading = false;
        }
    }
    close() {
        this.state.open = false;
        this.pagesRef.el.replaceChildren();
    }
    zoomBy(step) {
        this.state.zoom = Math.min(2, Math.max(1, this.state.zoom + step));
    }
}

class StepBase extends Component {
    static props = { step: Object, record: Function, offline: Boolean };
}

export class InstructionStep extends StepBase {
    static template = "mes_bridge.KioskInstructionStep";
}

export class MeasurementStep extends StepBase {
    static template = "mes_bridge.KioskMeasurementStep";
    static components = { Keypad };
    setup() {
        this.state = useState({ value: "" });
    }
    get feedback() {
        return limitFeedback(this.props.step, this.state.value);
    }
    submit() {
        if (this.feedback.level !== "invalid" && this.state.value) {
            this.props.record({ value: this.state.value });
        }
    }
}

export class CheckStep extends StepBase {
    static template = "mes_bridge.KioskCheckStep";
}

/** Material and equipment scans: hardware scanner (barcode service) or typed. */
export class ScanStep extends StepBase {
    static template = "mes_bridge.KioskScanStep";
    setup() {
        this.state = useState({ code: "" });
        const barcode = useService("barcode");
        useBus(barcode.bus, "barcode_scanned", (ev) => {
            this.state.code = ev.detail.barcode;
            this.submit();
        });
    }
    submit() {
        if (this.state.code.trim()) {
            this.props.record({ code: this.state.code.trim() });
            this.state.code = "";
        }
    }
    get hasCamera() {
        return isBarcodeScannerSupported();
    }
    /** Where the tablet has no scanner: its camera reads the barcode. */
    async scanWithCamera() {
        const code = await scanBarcode(this.env, "environment");
        if (code) {
            this.state.code = code;
            this.submit();
        }
    }
}

export class SignatureStep extends StepBase {
    static template = "mes_bridge.KioskSignatureStep";
    setup() {
        this.state = useState({ login: "", password: "" });
    }
    submit() {
        this.props.record({ login: this.state.login, password: this.state.password });
        this.state.password = "";
    }
}

stepRegistry.add("instruction", InstructionStep);
stepRegistry.add("measurement", MeasurementStep);
stepRegistry.add("check", CheckStep);
stepRegistry.add("material", ScanStep);
stepRegistry.add("equipment", ScanStep);
stepRegistry.add("signature", SignatureStep);

export class SignIn extends Component {
    static template = "mes_bridge.KioskSignIn";
    static components = { Keypad };
    static props = { kiosk: Object, onDone: { type: Function, optional: true } };
    setup() {
        this.state = useState({ identifier: "", pin: "", error: "", busy: false });
        const barcode = useService("barcode");
        useBus(barcode.bus, "barcode_scanned", (ev) => {
            this.state.identifier = ev.detail.barcode;
        });
    }
    async submit() {
        this.state.busy = true;
        try {
            this.state.error = await this.props.kiosk.signIn(this.state.identifier, this.state.pin);
            if (!this.state.error) {
                this.state.identifier = "";
                this.props.onDone?.();
            }
        } catch {
            this.state.error = _t("The server cannot be reached: signing in needs it.");
        } finally {
            this.state.busy = false;
            this.state.pin = "";
        }
    }
}

export class Queue extends Component {
    static template = "mes_bridge.KioskQueue";
    static props = { kiosk: Object };
    setup() {
        // observed here, so that this component renders again when the queue arrives
        this.kstate = useState(this.props.kiosk.state);
    }
    stateLabel(state) {
        return { progress: _t("In progress"), ready: _t("Ready"), blocked: _t("Waiting") }[state] || state;
    }
}

export class WorkOrder extends Component {
    static template = "mes_bridge.KioskWorkOrder";
    static components = { KioskDocument };
    static props = { kiosk: Object };
    setup() {
        this.kstate = useState(this.props.kiosk.state);
        this.ui = useState({ result: null, panel: null, lossId: "", note: "", reason: "", severity: "major", produced: "", scrapped: "", busy: false });
    }
    get workorder() {
        return this.kstate.workorder;
    }
    get currentStep() {
        return this.workorder.steps.find((s) => s.id === this.workorder.next_step_id) || null;
    }
    stepComponent(step) {
        return stepRegistry.get(step.type, null);
    }
    async run(operation, payload = {}, step = null) {
        this.ui.busy = true;
        try {
            const outcome = await this.props.kiosk.act(operation, payload, step);
            this.ui.result = {
                accepted: outcome.accepted,
                level: !outcome.accepted || outcome.blocking ? "danger" : outcome.exception_id || outcome.out_of_limit ? "warning" : "success",
                message: outcome.message || (outcome.accepted ? _t("Done") : ""),
                queued: outcome.queued,
            };
            if (outcome.accepted) {
                this.ui.panel = null;
                if (operation === "finish") {
                    this.props.kiosk.notify(_t("%(wo)s finished.", { wo: `${this.workorder.production} · ${this.workorder.name}` }), "success");
                    this.props.kiosk.closeWorkorder();
                }
            }
            return outcome;
        } finally {
            this.ui.busy = false;
        }
    }
    record(step) {
        return (payload) => this.run("record", payload, step);
    }
    pause() {
        if (this.ui.lossId) {
            this.run("pause", { loss_id: Number(this.ui.lossId), note: this.ui.note });
        }
    }
    andon() {
        if (this.ui.reason.trim()) {
            this.run("andon", { reason: this.ui.reason, severity: this.ui.severity, photo: this.ui.photo || false });
            this.ui.reason = "";
            this.ui.photo = false;
        }
    }
    async onPhoto(ev) {
        const file = ev.target.files[0];
        if (!file) {
            return;
        }
        const data = await new Promise((resolve) => {
            const reader = new FileReader();
            reader.onload = () => resolve(String(reader.result).split(",")[1]);
            reader.readAsDataURL(file);
        });
        this.ui.photo = data;
    }
    quantity() {
        const payload = {};
        if (this.ui.produced !== "") {
            payload.produced = Number(this.ui.produced);
        }
        if (this.ui.scrapped !== "") {
            payload.scrapped = Number(this.ui.scrapped);
        }
        this.run("quantity", payload);
    }
}

export class KioskApp extends Component {
    static template = "mes_bridge.KioskApp";
    static components = { SignIn, Queue, WorkOrder, MainComponentsContainer };
    static props = {};

    setup() {
        this.kiosk = useService("mes_kiosk");
        this.state = useState(this.kiosk.state);
        this.ui = useState({ addOperator: false });
        onWillStart(() => this.kiosk.start());
        const touch = () => this.kiosk.touch();
        onMounted(() => {
            document.addEventListener("pointerdown", touch, true);
            this.idleTimer = setInterval(() => this.kiosk.checkIdle(), 15000);
            registerServiceWorker();
        });
        onWillUnmount(() => {
            document.removeEventListener("pointerdown", touch, true);
            clearInterval(this.idleTimer);
        });
    }
    get showSignIn() {
        return this.state.screen === "signin" || this.ui.addOperator;
    }
    addOperator() {
        this.ui.addOperator = true;
    }
    onSignedIn() {
        this.ui.addOperator = false;
    }
    dismissRefusal(refusal) {
        this.state.refusals.splice(this.state.refusals.indexOf(refusal), 1);
    }
}

/** The kiosk's own service worker: the page and its assets stay available offline. */
function registerServiceWorker() {
    if (!("serviceWorker" in navigator) || !window.isSecureContext) {
        return;
    }
    navigator.serviceWorker
        .register("/mes/kiosk/service-worker.js", { scope: "/mes/kiosk" })
        .then(async () => {
            const registration = await navigator.serviceWorker.ready;
            const lang = (document.documentElement.getAttribute("lang") || "en-US").replace("-", "_");
            const urls = [
                window.location.pathname + window.location.search,
                // the terms the kiosk is shown in (Odoo's localization asks for them at start)
                `${session.translationURL || "/web/webclient/translations"}?${new URLSearchParams({ lang })}`,
                ...[...document.querySelectorAll("script[src], link[rel=stylesheet][href]")].map((el) => el.getAttribute("src") || el.getAttribute("href")),
            ];
            registration.active?.postMessage({ urlsToCache: urls });
        })
        .catch(() => {
            // no offline page cache: the kiosk still queues results while it stays open
        });
}
