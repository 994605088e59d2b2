import { _t } from "@web/core/l10n/translation";
import { loadBundle } from "@web/core/assets";
import { MultiRecordSelector } from "@web/core/record_selectors/multi_record_selector";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { Layout } from "@web/search/layout";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";
import { Component, onMounted, onWillStart, onWillUnmount, useRef, useState } from "@odoo/owl";

const { DateTime } = luxon;

const RANGES = [
    ["1h", 3600e3],
    ["8h", 8 * 3600e3],
    ["1d", 86400e3],
    ["7d", 7 * 86400e3],
    ["30d", 30 * 86400e3],
    ["1y", 365 * 86400e3],
];
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf"];
const STATE_COLORS = {
    running: "rgba(44, 160, 44, 0.10)",
    idle: "rgba(255, 193, 7, 0.14)",
    down: "rgba(214, 39, 40, 0.14)",
    setup: "rgba(23, 190, 207, 0.12)",
    maintenance: "rgba(148, 103, 189, 0.14)",
};

function utcString(ms) {
    return DateTime.fromMillis(ms, { zone: "utc" }).toFormat("yyyy-MM-dd HH:mm:ss");
}

/** Bands behind the lines: work orders (top strip) and machine states (full height). */
const bandsPlugin = {
    id: "mesBands",
    beforeDatasetsDraw(chart, _args, options) {
        const { ctx, chartArea, scales } = chart;
        const x = scales.x;
        ctx.save();
        for (const state of options.states || []) {
            const left = Math.max(x.getPixelForValue(state.start), chartArea.left);
            const right = Math.min(x.getPixelForValue(state.stop), chartArea.right);
            if (right > left) {
                ctx.fillStyle = STATE_COLORS[state.state] || "rgba(0,0,0,0.05)";
                ctx.fillRect(left, chartArea.top, right - left, chartArea.height);
            }
        }
        for (const wo of options.workorders || []) {
            const left = Math.max(x.getPixelForValue(wo.start), chartArea.left);
            const right = Math.min(x.getPixelForValue(wo.stop), chartArea.right);
            if (right > left) {
                ctx.fillStyle = "rgba(31, 119, 180, 0.35)";
                ctx.fillRect(left, chartArea.top, right - left, 8);
                ctx.fillStyle = "#1f3f60";
                ctx.font = "11px sans-serif";
                ctx.fillText(wo.production || wo.name, left + 2, chartArea.top + 20);
            }
        }
        // the selection being dragged (zoom in)
        if (options.selection) {
            const [a, b] = options.selection;
            ctx.fillStyle = "rgba(0, 0, 0, 0.08)";
            ctx.fillRect(Math.min(a, b), chartArea.top, Math.abs(b - a), chartArea.height);
        }
        ctx.restore();
    },
};

/**
 * Trend of one or several process tags over any range: raw values for short ranges, minute
 * or hour aggregates (min-max band and mean) for long ones, with limits, work orders and
 * machine states as bands. Drag over the chart to zoom in; arrows pan; "-" zooms out.
 */
export class ProcessTrend extends Component {
    static template = "mes_equipment.ProcessTrend";
    static components = { Layout, MultiRecordSelector };
    static props = { ...standardActionServiceProps };

    setup() {
        this.orm = useService("orm");
        this.canvas = useRef("canvas");
        const params = this.props.action.params || {};
        const now = Date.now();
        const span = params.span_ms || 8 * 3600e3;
        this.ranges = RANGES;
        this.state = useState({
            tagIds: params.tag_ids || [],
            stop: params.date_to_ms || now,
            start: params.date_from_ms || now - span,
            drawnMs: null,
            loading: false,
            resolution: "",
            points: 0,
        });
        this.chart = null;
        this.drag = null;
        onWillStart(() => loadBundle("web.chartjs_lib"));
        onMounted(() => this.refresh());
        onWillUnmount(() => this.chart && this.chart.destroy());
    }

    get statusText() {
        return _t(
            "%(points)s points (%(resolution)s) drawn in %(ms)s ms. Drag over the chart to zoom in.",
            { points: this.state.points, resolution: this.state.resolution, ms: this.state.drawnMs }
        );
    }

    get rangeLabel() {
        return `${utcString(this.state.start)} – ${utcString(this.state.stop)} UTC`;
    }

    setTags(ids) {
        this.state.tagIds = ids;
        this.refresh();
    }
    setSpan(ms) {
        this.state.start = this.state.stop - ms;
        this.refresh();
    }
    pan(direction) {
        const span = this.state.stop - this.state.start;
        this.state.start += (direction * span) / 2;
        this.state.stop += (direction * span) / 2;
        this.refresh();
    }
    zoomOut() {
        const span = this.state.stop - this.state.start;
        this.state.start -= span / 2;
        this.state.stop += span / 2;
        this.refresh();
    }

    async refresh() {
        const began = performance.now();
        this.state.loading = true;
        if (!this.state.tagIds.length) {
            this.state.loading = false;
            this.draw({ series: [], workorders: [], states: [] });
            return;
        }
        const data = await this.orm.call("mes.process.value", "mes_trend", [
            this.state.tagIds,
            utcString(this.state.start),
            utcString(this.state.stop),
        ]);
        this.draw(data);
        this.state.loading = false;
        this.state.drawnMs = Math.round(performance.now() - began);
    }

    draw(data) {
        const datasets = [];
        let points = 0;
        data.series.forEach((serie, index) => {
            const color = COLORS[index % COLORS.length];
            const label = `${serie.equipment} · ${serie.name}${serie.uom ? " (" + serie.uom + ")" : ""}`;
            points += serie.points.length;
            if (serie.resolution === "raw") {
                datasets.push({
                    label,
                    data: serie.points.map((p) => ({ x: p[0], y: p[1] })),
                    borderColor: color,
                    pointRadius: serie.points.length < 300 ? 2 : 0,
                    borderWidth: 1.5,
                });
            } else {
                datasets.push({
                    label: `${label} ${_t("min")}`,
                    data: serie.points.map((p) => ({ x: p[0], y: p[1] })),
                    borderColor: "transparent",
                    pointRadius: 0,
                });
                datasets.push({
                    label: `${label} ${_t("max")}`,
                    data: serie.points.map((p) => ({ x: p[0], y: p[3] })),
                    borderColor: "transparent",
                    backgroundColor: color + "33",
                    pointRadius: 0,
                    fill: "-1",
                });
                datasets.push({
                    label,
                    data: serie.points.map((p) => ({ x: p[0], y: p[2] })),
                    borderColor: color,
                    pointRadius: 0,
                    borderWidth: 1.5,
                });
            }
            if (serie.limits) {
                for (const limit of serie.limits) {
                    datasets.push({
                        label: `${serie.name} ${_t("limit")}`,
                        data: [
                            { x: this.state.start, y: limit },
                            { x: this.state.stop, y: limit },
                        ],
                        borderColor: color,
                        borderDash: [6, 4],
                        borderWidth: 1,
                        pointRadius: 0,
                    });
                }
            }
        });
        this.state.resolution = [...new Set(data.series.map((s) => s.resolution))].join(", ");
        this.state.points = points;
        const options = {
            animation: false,
            parsing: false,
            normalized: true,
            maintainAspectRatio: false,
            spanGaps: false,
            interaction: { mode: "nearest", intersect: false },
            scales: {
                x: {
                    type: "linear",
                    min: this.state.start,
                    max: this.state.stop,
                    ticks: { callback: (value) => utcString(value).slice(5, 16), maxTicksLimit: 8 },
                },
            },
            plugins: {
                legend: {
                    labels: {
                        filter: (item) => !/ (min|max|limit)$/.test(item.text),
                    },
                },
                tooltip: {
                    callbacks: { title: (items) => items.length ? utcString(items[0].parsed.x) + " UTC" : "" },
                },
                mesBands: { workorders: data.workorders, states: data.states, selection: null },
            },
        };
        if (this.chart) {
            this.chart.data.datasets = datasets;
            this.chart.options = options;
            this.chart.update("none");
        } else {
            this.chart = new Chart(this.canvas.el, {
                type: "line",
                data: { datasets },
                options,
                plugins: [bandsPlugin],
            });
        }
    }

    // -- drag to zoom in ---------------------------------------------------------------------
    onMouseDown(ev) {
        if (!this.chart) {
            return;
        }
        this.drag = [ev.offsetX, ev.offsetX];
    }
    onMouseMove(ev) {
        if (!this.drag) {
            return;
        }
        this.drag[1] = ev.offsetX;
        this.chart.options.plugins.mesBands.selection = this.drag;
        this.chart.draw();
    }
    onMouseUp() {
        if (!this.drag) {
            return;
        }
        const [a, b] = this.drag;
        this.drag = null;
        this.chart.options.plugins.mesBands.selection = null;
        if (Math.abs(b - a) < 5) {
            this.chart.draw();
            return;
        }
        const x = this.chart.scales.x;
        this.state.start = Math.round(x.getValueForPixel(Math.min(a, b)));
        this.state.stop = Math.round(x.getValueForPixel(Math.max(a, b)));
        this.refresh();
    }
}

registry.category("actions").add("mes_process_trend", ProcessTrend);
