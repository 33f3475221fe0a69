/* License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html). */
import {registry} from "@web/core/registry";
import {stepUtils} from "@web_tour/tour_service/tour_utils";

// Finance posts an imported settlement, matches it to its bank deposit and reads the
// cash chain of one of its orders.
registry.category("web_tour.tours").add("marketplace_cash_payout_tour", {
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
            content: "Payouts to post",
            trigger: '.dropdown-item[data-menu-xmlid="marketplace_cash.menu_payouts_to_post"]',
            run: "click",
        },
        {
            content: "Open the imported settlement",
            trigger: '.o_list_view .o_data_cell:contains("11223344556")',
            run: "click",
        },
        {
            content: "Post it",
            trigger: '.o_form_view button[name="action_post"]',
            run: "click",
        },
        {
            content: "It is posted",
            trigger: '.o_form_view .o_statusbar_status button.o_arrow_button_current:contains("Posted")',
        },
        {
            content: "Match it to the bank",
            trigger: '.o_form_view button[name="action_match_bank"]',
            run: "click",
        },
        {
            content: "The deposit is reconciled",
            trigger: '.o_form_view .o_statusbar_status button.o_arrow_button_current:contains("Reconciled")',
        },
        {
            content: "Its bank line is shown",
            trigger: '.o_form_view div[name="bank_line_id"] a, .o_form_view div[name="bank_line_id"] span',
        },
        {
            content: "Open the Ledger menu",
            trigger: '.o_menu_sections [data-menu-xmlid="marketplace_connectors.menu_ledger"]',
            run: "click",
        },
        {
            content: "Marketplace orders",
            trigger:
                '.dropdown-item[data-menu-xmlid="marketplace_connectors.sale_order_marketplace_menu"]',
            run: "click",
        },
        {
            content: "Open the order paid by the settlement (the company's only one)",
            trigger: ".o_list_view .o_data_row:first-child .o_data_cell",
            run: "click",
        },
        {
            content: "Open its cash chain",
            trigger: '.o_form_view .o_notebook a[name="cash_chain"]',
            run: "click",
        },
        {
            content: "The order's money is in the bank",
            trigger: '.o_form_view div[name="cash_state"]:contains("In Bank")',
        },
    ],
});
