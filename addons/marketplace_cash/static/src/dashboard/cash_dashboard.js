/* License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html). */
import {Component, onWillStart, useState} from "@odoo/owl";
import {
    formatFloat,
    formatMonetary,
    formatPercentage,
} from "@web/views/fields/formatters";
import {Layout} from "@web/search/layout";
import {_t} from "@web/core/l10n/translation";
import {registry} from "@web/core/registry";
import {standardActionServiceProps} from "@web/webclient/actions/action_service";
import {useService} from "@web/core/utils/hooks";

const MODEL = "marketplace.cash.dashboard";
// The sparkline's drawing box (SVG user units); the CSS sizes it.
const WIDTH = 120;
const HEIGHT = 32;
const PAD = 3;

/**
 * The weekly cash dashboard: KPI cards with their 8-week trend, the expected
 * payouts per channel, the reserves and the realized margin per channel. Every
 * figure opens the records behind it (its `action`, computed by the server).
 */
export class CashDashboard extends Component {
    static template = "marketplace_cash.CashDashboard";
    static components = {Layout};
    static props = {...standardActionServiceProps};

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({data: null, busy: false});
        onWillStart(() => this.load());
    }

    async load() {
        this.state.data = await this.orm.call(MODEL, "get_data", []);
    }

    /** Runs `job` with the buttons disabled. */
    async busy(job) {
        if (this.state.busy) {
            return;
        }
        this.state.busy = true;
        try {
            await job();
        } finally {
            this.state.busy = false;
        }
    }

    // ---- derived data

    get sections() {
        const {kpis, sections} = this.state.data;
        return sections.map((section) => ({
            ...section,
            cards: section.kpis.map((key) => ({key, ...kpis[key]})),
        }));
    }

    get horizonLabels() {
        return this.state.data.payouts.horizons.map((days) => _t("D+%s", days));
    }

    // ---- formatting

    format(value, unit) {
        if (value === null || value === undefined || value === false) {
            return "–";
        }
        switch (unit) {
            case "money":
                return formatMonetary(value, {currencyId: this.state.data.currency_id});
            case "percent":
                return formatPercentage(value, {digits: [16, 1]});
            case "days":
                return _t("%s days", formatFloat(value, {digits: [16, 1]}));
            default:
                return String(value);
        }
    }

    /**
     * The trend as SVG points: `line` for a polyline over the known values,
     * `dots` (x, y, title) for each of them; null when nothing is known.
     */
    sparkline(card) {
        const trend = card.trend || [];
        const known = trend.filter((v) => v !== null && v !== undefined);
        if (!known.length) {
            return null;
        }
        const min = Math.min(...known, 0);
        const max = Math.max(...known, 0);
        const span = max - min || 1;
        const step = trend.length > 1 ? (WIDTH - 2 * PAD) / (trend.length - 1) : 0;
        const dots = [];
        trend.forEach((value, index) => {
            if (value === null || value === undefined) {
                return;
            }
            const x = PAD + index * step;
            const y = HEIGHT - PAD - ((value - min) / span) * (HEIGHT - 2 * PAD);
            const week = this.state.data.weeks[index];
            dots.push({
                key: index,
                x: x.toFixed(1),
                y: y.toFixed(1),
                title: _t("Week of %(week)s: %(value)s", {
                    week,
                    value: this.format(value, card.unit),
                }),
                last: index === trend.length - 1,
            });
        });
        const zero = HEIGHT - PAD - ((0 - min) / span) * (HEIGHT - 2 * PAD);
        return {
            viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
            line: dots.map((dot) => `${dot.x},${dot.y}`).join(" "),
            zero: zero.toFixed(1),
            dots,
        };
    }

    // ---- handlers

    open(action) {
        if (action) {
            return this.action.doAction(action);
        }
    }

    onRefresh() {
        return this.busy(() => this.load());
    }

    onComputeForecast() {
        return this.busy(async () => {
            await this.orm.call(MODEL, "action_compute_forecast", []);
            await this.load();
        });
    }

    onExport() {
        return this.busy(async () => {
            const action = await this.orm.call(MODEL, "action_export_xlsx", []);
            await this.action.doAction(action);
            // Exporting may have computed the first forecast.
            await this.load();
        });
    }
}

registry.category("actions").add("marketplace_cash.dashboard", CashDashboard);
