/* License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html). */
import {registry} from "@web/core/registry";
import {stepUtils} from "@web_tour/tour_service/tour_utils";

// The salesperson confirms a quotation below its margin rule: it is sent for
// approval instead of being confirmed.
registry.category("web_tour.tours").add("margin_approval_request_tour", {
    steps: () => [
        {
            content: "The banner says the quotation breaks a margin rule",
            trigger: '.o_form_view div[name="margin_approval_banner"]:contains("confirming it sends it for approval")',
        },
        {
            content: "Confirm the quotation",
            trigger: '.o_form_view .o_form_statusbar button[name="action_confirm"]:visible',
            run: "click",
        },
        {
            content: "It waits for the approver instead",
            trigger: '.o_form_view div[name="margin_approval_banner"]:contains("Waiting for the margin approval")',
        },
        {
            content: "Still a quotation",
            trigger: '.o_form_view .o_statusbar_status button.o_arrow_button_current:contains("Quotation")',
        },
    ],
});

// The approver finds it in their inbox, approves it with a comment and confirms it.
registry.category("web_tour.tours").add("margin_approval_approve_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Marketplace Cash application",
            trigger: '.o_app[data-menu-xmlid="marketplace_connectors.menu_root"]',
            run: "click",
        },
        {
            content: "Open the Margins menu",
            trigger: '.o_menu_sections [data-menu-xmlid="margin_alerts.menu_margins"]',
            run: "click",
        },
        {
            content: "Margins to approve",
            trigger: '.dropdown-item[data-menu-xmlid="margin_alerts.menu_margin_to_approve"]',
            run: "click",
        },
        {
            content: "Open the quotation waiting for me",
            trigger: '.o_list_view .o_data_cell:contains("Quincaillerie Tour")',
            run: "click",
        },
        {
            content: "Approve the margin",
            trigger: '.o_form_view button[name="action_open_margin_decision"]:contains("Approve Margin")',
            run: "click",
        },
        {
            content: "Say why",
            trigger: '.modal div[name="comment"] textarea',
            run: "edit Destocking before the new range",
        },
        {
            content: "Approve",
            trigger: '.modal-footer button[name="action_done"]:contains("Approve")',
            run: "click",
        },
        {
            content: "The margin is approved",
            trigger: '.o_form_view div[name="margin_approval_banner"]:contains("Margin approved")',
        },
        {
            content: "Confirm the order",
            trigger: '.o_form_view .o_form_statusbar button[name="action_confirm"]:visible',
            run: "click",
        },
        {
            content: "It is a sales order",
            trigger: '.o_form_view .o_statusbar_status button.o_arrow_button_current:contains("Sales Order")',
        },
    ],
});
