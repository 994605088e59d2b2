/* global Chart */
import { _t } from "@web/core/l10n/translation";
import { loadBundle } from "@web/core/assets";
import { deserializeDateTime, formatDateTime, serializeDateTime } from "@web/core/l10n/dates";
import { RecordSelector } from "@web/core/record_selectors/record_selector";
import { registry } from "@web/core/registry";
import { user } from "@web/core/user";
import { formatFloat } from "@web/core/utils/numbers";
import { useService } from "@web/core/utils/hooks";
import { Layout } from "@web/search/layout";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";
import { Component, markRaw, onWillStart, useEffect, useRef, useState } from "@odoo/owl";

const { DateTime } = luxon;

const VARIABLE_KINDS = ["xbar_r", "xbar_s", "imr"];
// rule 1 red, the others distinct hues
export const RULE_COLORS = {
    1: "#dc3545",
    2: "#fd7e14",
    3: "#6f42c1",
    4: "#20c997",
    5: "#d63384",
    6: "#795548",
    7: "#0dcaf0",
    8: "#b8860b",
};
const POINT_COLOR = "#2c6e9b";
const CENTRE_COLOR = "#198754";
const CONTROL_COLOR = "#dc3545";
const SPEC_COLOR = "#6c757d";

export function kindLabel(kind) {
    return (
        {
            xbar_r: _t("X-bar / R"),
            xbar_s: _t("X-bar / S"),
            imr: _t("Individuals / Moving range"),
            p: _t("p (fraction defective)"),
            np: _t("np (number defective)"),
            c: _t("c (defects)"),
            u: _t("u (defects per unit)"),
        }[kind] || kind
    );
}

/** Name of the plotted statistic of the main chart. */
export function mainSeriesLabel(kind) {
    return (
        {
            xbar_r: _t("X-bar"),
            xbar_s: _t("X-bar"),
            imr: _t("Individuals"),
        }[kind] || kind
    );
}

export function ruleLabel(rule, runLength = 9) {
    switch (Number(rule)) {
        case 1:
            return _t("Rule 1: beyond 3 sigma");
        case 2:
            return _t("Rule 2: %s in a row on one side", runLength);
        case 3:
            return _t("Rule 3: 6 steadily rising or falling");
        case 4:
            return _t("Rule 4: 14 alternating");
        case 5:
            return _t("Rule 5: 2 of 3 beyond 2 sigma");
        case 6:
            return _t("Rule 6: 4 of 5 beyond 1 sigma");
        case 7:
            return _t("Rule 7: 15 within 1 sigma");
        case 8:
            return _t("Rule 8: 8 beyond 1 sigma");
    }
    return _t("Rule %s", rule);
}

/** A number for display ("—" when missing); ``fixed`` keeps trailing zeros. */
export function formatNumber(value, digits = 4, fixed = false) {
    if (value === null || value === undefined || Number.isNaN(value)) {
        return "—";
    }
    return formatFloat(value, { digits: [0, digits], trailingZeros: fixed });
}

/** A horizontal limit line: constant, or stepped per point when the limit varies. */
function limitDataset(label, limit, count, color, { dashed = false, offset = 0 } = {}) {
    const values = Array.isArray(limit)
        ? [...new Array(offset).fill(null), ...limit]
        : new Array(count).fill(limit);
    return {
        type: "line",
        label,
        data: values,
        borderColor: color,
        backgroundColor: color,
        borderWidth: 1.5,
        borderDash: dashed ? [6, 4] : [],
        pointRadius: 0,
        pointHitRadius: 0,
        pointStyle: "line",
        stepped: Array.isArray(limit) ? "middle" : false,
        fill: false,
        order: 20,
    };
}

export class SpcChart extends Component {
    static template = "mes_quality.SpcChart";
    static components = { Layout, RecordSelector };
    static props = { ...standardActionServiceProps };

    setup() {
        this.orm = useService("orm");
        const params = this.props.action.params || {};
        const context = this.props.action.context || {};
        this.characteristicId =
            context.active_id || params.active_id || params.characteristic_id || false;
        this.state = useState({
            data: null,
            loading: false,
            workcenters: [],
            filters: { dateFrom: "", dateTo: "", workcenterId: false, lotId: false, equipment: "" },
        });
        this.mainCanvas = useRef("mainCanvas");
        this.dispersionCanvas = useRef("dispersionCanvas");
        this.histogramCanvas = useRef("histogramCanvas");
        this.charts = [];

        onWillStart(async () => {
            await Promise.all([loadBundle("web.chartjs_lib"), this.loadWorkcenters(), this.load()]);
        });
        // (re)draw whenever new data is shown; destroy on redraw and unmount
        useEffect(
            () => {
                this.renderCharts();
                return () => this.destroyCharts();
            },
            () => [this.state.data]
        );
    }

    // -- data -------------------------------------------------------------------------------
    async loadWorkcenters() {
        if (!(await user.checkAccessRight("mrp.workcenter", "read"))) {
            return;
        }
        this.state.workcenters = await this.orm.searchRead("mrp.workcenter", [], ["display_name"], {
            order: "name",
        });
    }

    get rpcFilters() {
        const { dateFrom, dateTo, workcenterId, lotId, equipment } = this.state.filters;
        // dates are the user's days, sent as UTC datetimes
        const day = (value, end) => {
            if (!value) {
                return null;
            }
            const date = DateTime.fromISO(value);
            return serializeDateTime(end ? date.endOf("day") : date.startOf("day"));
        };
        return {
            date_from: day(dateFrom, false),
            date_to: day(dateTo, true),
            workcenter_id: workcenterId || null,
            lot_id: lotId || null,
            equipment: equipment.trim() || null,
        };
    }

    async load() {
        if (!this.characteristicId) {
            return;
        }
        this.state.loading = true;
        try {
            const data = await this.orm.call(
                "mes.inspection.characteristic",
                "mes_spc_chart",
                [[this.characteristicId]],
                this.rpcFilters
            );
            this.state.data = markRaw(data);
            if (data.name) {
                this.env.config.setDisplayName?.(_t("SPC Chart: %s", data.name));
            }
        } finally {
            this.state.loading = false;
        }
    }

    onRefresh() {
        return this.load();
    }

    onWorkcenterChange(ev) {
        this.state.filters.workcenterId = parseInt(ev.target.value) || false;
    }

    onLotChange(lotId) {
        this.state.filters.lotId = lotId || false;
    }

    // -- derived ----------------------------------------------------------------------------
    get data() {
        return this.state.data;
    }

    get isVariable() {
        return !this.data || VARIABLE_KINDS.includes(this.data.kind);
    }

    get hasPoints() {
        return Boolean(this.data && this.data.points.length);
    }

    get flaggedCount() {
        return this.data ? this.data.points.filter((p) => p.rules.length).length : 0;
    }

    get kindLabel() {
        return this.data ? kindLabel(this.data.kind) : "";
    }

    /** The rules that fired, with how many points each flags. */
    get firedRules() {
        const signals = (this.data && this.data.signals) || {};
        return Object.keys(signals)
            .map(Number)
            .sort((a, b) => a - b)
            .map((rule) => ({
                rule,
                label: ruleLabel(rule, this.data.run_length),
                color: RULE_COLORS[rule] || CONTROL_COLOR,
                count: signals[rule].length,
            }));
    }

    get capabilityRows() {
        const c = this.data && this.data.capability;
        if (!c) {
            return [];
        }
        return [
            { key: "cp", label: _t("Cp"), value: c.cp, index: true, digits: 2, fixed: true },
            { key: "cpk", label: _t("Cpk"), value: c.cpk, index: true, digits: 2, fixed: true },
            { key: "pp", label: _t("Pp"), value: c.pp, index: true, digits: 2, fixed: true },
            { key: "ppk", label: _t("Ppk"), value: c.ppk, index: true, digits: 2, fixed: true },
            { key: "n", label: _t("n"), value: c.n, digits: 0 },
            { key: "mean", label: _t("Mean"), value: c.mean, digits: 4 },
            { key: "sigma_within", label: _t("Sigma (within)"), value: c.sigma_within, digits: 4 },
            { key: "sigma_overall", label: _t("Sigma (overall)"), value: c.sigma_overall, digits: 4 },
        ];
    }

    formatNumber(value, digits, fixed) {
        return formatNumber(value, digits, fixed);
    }

    indexClass(value) {
        if (value === null || value === undefined) {
            return "text-muted";
        }
        return value >= 1.33 ? "text-success" : value >= 1 ? "text-warning" : "text-danger";
    }

    // -- charts -----------------------------------------------------------------------------
    destroyCharts() {
        for (const chart of this.charts) {
            chart.destroy();
        }
        this.charts = [];
    }

    renderCharts() {
        this.destroyCharts();
        if (!this.hasPoints) {
            return;
        }
        if (this.mainCanvas.el) {
            this.charts.push(new Chart(this.mainCanvas.el, this.mainConfig()));
        }
        if (this.dispersionCanvas.el && this.data.dispersion) {
            this.charts.push(new Chart(this.dispersionCanvas.el, this.dispersionConfig()));
        }
        if (this.histogramCanvas.el && this.data.histogram) {
            this.charts.push(new Chart(this.histogramCanvas.el, this.histogramConfig()));
        }
    }

    baseOptions() {
        return {
            animation: false,
            maintainAspectRatio: false,
            responsive: true,
            interaction: { mode: "index", intersect: false },
            plugins: {
                legend: {
                    position: "bottom",
                    labels: {
                    usePointStyle: true,
                    boxHeight: 8,
                    sort: (a, b) => a.datasetIndex - b.datasetIndex,
                },
                },
            },
        };
    }

    mainConfig() {
        const data = this.data;
        const count = data.points.length;
        const labels = data.points.map((p) => p.index + 1);
        const values = data.points.map((p) => p.value);
        const pointColors = data.points.map((p) =>
            p.rules.length ? RULE_COLORS[Math.min(...p.rules)] || CONTROL_COLOR : POINT_COLOR
        );
        const datasets = [
            {
                type: "line",
                label: mainSeriesLabel(data.kind),
                data: values,
                pointStyle: "circle",
                borderColor: POINT_COLOR,
                backgroundColor: pointColors,
                pointBackgroundColor: pointColors,
                pointBorderColor: pointColors,
                pointRadius: data.points.map((p) => (p.rules.length ? 4 : 2.5)),
                borderWidth: 1.2,
                tension: 0,
                order: 10,
            },
            limitDataset(_t("Centre"), data.centre, count, CENTRE_COLOR),
            limitDataset(_t("UCL"), data.ucl, count, CONTROL_COLOR),
            limitDataset(_t("LCL"), data.lcl, count, CONTROL_COLOR),
        ];
        if (this.isVariable && data.usl !== null && data.usl !== undefined) {
            datasets.push(limitDataset(_t("USL"), data.usl, count, SPEC_COLOR, { dashed: true }));
        }
        if (this.isVariable && data.lsl !== null && data.lsl !== undefined) {
            datasets.push(limitDataset(_t("LSL"), data.lsl, count, SPEC_COLOR, { dashed: true }));
        }
        // one marker series per rule that fired: its legend entry and colour
        for (const { rule, label, color } of this.firedRules) {
            const flagged = new Set(data.signals[rule]);
            datasets.push({
                type: "line",
                label,
                data: values.map((v, i) => (flagged.has(i) ? v : null)),
                showLine: false,
                pointStyle: "circle",
                pointRadius: 6,
                pointHoverRadius: 7,
                pointBackgroundColor: "transparent",
                pointBorderColor: color,
                pointBorderWidth: 2,
                borderColor: color,
                backgroundColor: color,
                order: rule,
            });
        }
        const options = this.baseOptions();
        options.plugins.tooltip = {
            filter: (item) => item.datasetIndex === 0,
            callbacks: {
                title: (items) => _t("Point %s", items[0].label),
                label: (item) => `${mainSeriesLabel(data.kind)}: ${formatNumber(item.raw)}`,
                afterBody: (items) => this.pointDetails(data.points[items[0].dataIndex]),
            },
        };
        options.scales = { x: { title: { display: true, text: _t("Point") } } };
        return { type: "line", data: { labels, datasets }, options };
    }

    pointDetails(point) {
        if (!point) {
            return [];
        }
        const lines = [];
        const add = (label, value) => value && lines.push(`${label}: ${value}`);
        add(_t("Lot"), point.lot);
        add(this.isVariable ? _t("Sample") : _t("Inspection"), point.sample);
        add(_t("Operator"), point.operator);
        add(_t("Work Center"), point.workcenter);
        add(_t("Equipment"), point.equipment);
        if (point.time) {
            add(_t("Time"), formatDateTime(deserializeDateTime(point.time)));
        }
        for (const rule of point.rules) {
            lines.push(ruleLabel(rule, this.data.run_length));
        }
        return lines;
    }

    dispersionConfig() {
        const data = this.data;
        const series = data.dispersion;
        const count = data.points.length;
        const offset = series.offset || 0;
        // aligned on the main chart's points (a moving range starts at point 2)
        const values = [...new Array(offset).fill(null), ...series.points].slice(0, count);
        const beyond = (v, i) => {
            const at = (limit) => (Array.isArray(limit) ? limit[i - offset] : limit);
            return v !== null && (v > at(series.ucl) || v < at(series.lcl));
        };
        const colors = values.map((v, i) => (beyond(v, i) ? CONTROL_COLOR : POINT_COLOR));
        const datasets = [
            {
                type: "line",
                label: series.name,
                data: values,
                pointStyle: "circle",
                borderColor: POINT_COLOR,
                backgroundColor: POINT_COLOR,
                pointBackgroundColor: colors,
                pointBorderColor: colors,
                pointRadius: 2.5,
                borderWidth: 1.2,
                spanGaps: false,
                order: 10,
            },
            limitDataset(_t("Centre"), series.centre, count, CENTRE_COLOR),
            limitDataset(_t("UCL"), series.ucl, count, CONTROL_COLOR, { offset }),
            limitDataset(_t("LCL"), series.lcl, count, CONTROL_COLOR, { offset }),
        ];
        const options = this.baseOptions();
        options.plugins.tooltip = {
            filter: (item) => item.datasetIndex === 0 && item.raw !== null,
            callbacks: {
                title: (items) => _t("Point %s", items[0].label),
                label: (item) => `${series.name}: ${formatNumber(item.raw)}`,
            },
        };
        return {
            type: "line",
            data: { labels: data.points.map((p) => p.index + 1), datasets },
            options,
        };
    }

    histogramConfig() {
        const { edges, counts, lsl, usl } = this.data.histogram;
        const top = Math.max(...counts, 1);
        const datasets = [
            {
                type: "bar",
                label: _t("Measurements"),
                pointStyle: "rect",
                data: counts.map((count, i) => ({ x: (edges[i] + edges[i + 1]) / 2, y: count })),
                backgroundColor: "rgba(44, 110, 155, 0.6)",
                borderColor: POINT_COLOR,
                borderWidth: 1,
                barPercentage: 1,
                categoryPercentage: 1,
                grouped: false,
            },
        ];
        for (const [label, value] of [
            [_t("LSL"), lsl],
            [_t("USL"), usl],
        ]) {
            if (value !== null && value !== undefined) {
                datasets.push({
                    type: "line",
                    label,
                    data: [
                        { x: value, y: 0 },
                        { x: value, y: top },
                    ],
                    borderColor: SPEC_COLOR,
                    backgroundColor: SPEC_COLOR,
                    borderDash: [6, 4],
                    borderWidth: 2,
                    pointRadius: 0,
                    pointStyle: "line",
                    fill: false,
                });
            }
        }
        const options = this.baseOptions();
        options.interaction = { mode: "nearest", intersect: true };
        options.plugins.tooltip = {
            filter: (item) => item.datasetIndex === 0,
            callbacks: {
                title: (items) => {
                    const i = items[0].dataIndex;
                    return `${formatNumber(edges[i])} – ${formatNumber(edges[i + 1])}`;
                },
                label: (item) => _t("%s measurement(s)", item.raw.y),
            },
        };
        options.scales = {
            x: {
                type: "linear",
                offset: false,
                min: Math.min(edges[0], lsl ?? edges[0]),
                max: Math.max(edges.at(-1), usl ?? edges.at(-1)),
                ticks: { callback: (value) => formatNumber(value) },
            },
            y: { beginAtZero: true, ticks: { precision: 0 } },
        };
        return { type: "bar", data: { datasets }, options };
    }
}

registry.category("actions").add("mes_quality.spc_chart", SpcChart);
