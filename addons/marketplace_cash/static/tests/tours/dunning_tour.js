/* License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html). */
import {registry} from "@web/core/registry";

// A clerk opens an overdue invoice whose first reminder was sent, sees it logged,
// puts the invoice on hold (quality dispute), then computes today's run: the held
// invoice is skipped although its second reminder is due, the other late customer
// is reminded and the reminder is logged.
registry.category("web_tour.tours").add("dunning_tour", {
    url: "/odoo/action-account.action_move_out_invoice_type",
    steps: () => [
        {
            content: "Open the disputed customer's invoice",
            trigger: '.o_list_view .o_data_row:contains("Client Litige") .o_data_cell:first',
            run: "click",
        },
        {
            content: "Open its follow-up tab",
            trigger: '.o_notebook .nav-link:contains("Follow-up")',
            run: "click",
        },
        {
            content: "The first reminder is logged",
            trigger: '.o_field_widget[name="dunning_log_ids"] .o_data_row:contains("Friendly reminder")',
        },
        {
            content: "Put it on hold",
            trigger: '.o_form_view .o_form_statusbar button[name="action_dunning_hold"]',
            run: "click",
        },
        {
            content: "Reason: quality",
            trigger: '.modal .o_field_widget[name="reason"] select',
            run: 'select "quality"',
        },
        {
            content: "Confirm the hold",
            trigger: '.modal .modal-footer button[name="action_confirm"]',
            run: "click",
        },
        {
            content: "The invoice can now be released",
            trigger: '.o_form_view .o_form_statusbar button[name="action_dunning_release"]',
        },
        {
            content: "The hold is listed on the invoice",
            trigger: '.o_field_widget[name="dunning_hold_ids"] .o_data_row:contains("Quality")',
        },
        {
            content: "Go to the dunning runs",
            trigger: '.o_form_view .o_form_statusbar button[name="action_dunning_release"]',
            run: "goToUrl /odoo/action-marketplace_cash.mkc_dunning_run_action",
        },
        {
            content: "Compute today's run",
            trigger: 'button[name="action_compute_today"]',
            run: "click",
        },
        {
            content: "The late customer is to be reminded",
            trigger: '.o_field_widget[name="line_ids"] .o_data_row:contains("Client Ponctuel")',
        },
        {
            content: "The held invoice's customer is not",
            trigger: '.o_field_widget[name="line_ids"]:not(:has(.o_data_row:contains("Client Litige")))',
        },
        {
            content: "Send the reminders",
            trigger: '.o_form_view .o_form_statusbar button[name="action_send"]',
            run: "click",
        },
        {
            content: "The run is sent",
            trigger: '.o_form_view .o_statusbar_status button.o_arrow_button_current:contains("Sent")',
        },
        {
            content: "Open the logged reminders",
            trigger: '.o_notebook .nav-link:contains("Logged Reminders")',
            run: "click",
        },
        {
            content: "The reminder is logged",
            trigger: '.o_field_widget[name="log_ids"] .o_data_row:contains("Client Ponctuel")',
        },
    ],
});
