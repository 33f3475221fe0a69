/* License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html). */
import {registry} from "@web/core/registry";
import {stepUtils} from "@web_tour/tour_service/tour_utils";

// Finance opens the weekly cash dashboard, reads the payouts expected within 14
// days and opens the forecast's flows behind them.
registry.category("web_tour.tours").add("cash_dashboard_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Marketplace Cash application",
            trigger: '.o_app[data-menu-xmlid="marketplace_connectors.menu_root"]',
            run: "click",
        },
        {
            content: "Open the Cash menu",
            trigger: '.o_menu_sections [data-menu-xmlid="marketplace_cash.menu_cash"]',
            run: "click",
        },
        {
            content: "Weekly Cash Dashboard",
            trigger: '.dropdown-item[data-menu-xmlid="marketplace_cash.menu_cash_dashboard"]',
            run: "click",
        },
        {
            content: "Nothing is expected within 7 days",
            trigger: '.o_cash_card[data-kpi="payouts_7"] .o_cash_card_value:contains("0.00")',
        },
        {
            content: "The payouts table shows the channel",
            trigger: '.o_cash_dashboard_payouts td:contains("Amazon.fr tour dashboard")',
        },
        {
            content: "The order's payout is expected within 14 days: open it",
            trigger: '.o_cash_card[data-kpi="payouts_14"] .o_cash_card_value:contains("403.75")',
            run: "click",
        },
        {
            content: "The forecast's flows behind the figure",
            trigger: '.o_list_view .o_data_row .o_data_cell:contains("403.75")',
        },
        {
            content: "Back to the dashboard by the breadcrumb",
            trigger: '.o_breadcrumb .breadcrumb-item a:contains("Weekly Cash Dashboard")',
            run: "click",
        },
        {
            content: "The dashboard is back",
            trigger: '.o_cash_card[data-kpi="payouts_14"]',
        },
    ],
});
