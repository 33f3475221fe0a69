/* License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html). */
import {registry} from "@web/core/registry";
import {stepUtils} from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("marketplace_connectors_menu_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Marketplace Cash application",
            trigger: '.o_app[data-menu-xmlid="marketplace_connectors.menu_root"]',
            run: "click",
        },
        {
            content: "The application opens on its channels",
            trigger: '.o_breadcrumb:contains("Channels")',
        },
        {
            content: "Open the Configuration menu",
            trigger:
                '.o_menu_sections [data-menu-xmlid="marketplace_connectors.menu_configuration"]',
            run: "click",
        },
        {
            content: "It lists the Channels entry",
            trigger:
                '.dropdown-item[data-menu-xmlid="marketplace_connectors.marketplace_channel_menu"]',
            run: "click",
        },
        {
            content: "Open the channel created by the test",
            trigger: '.o_list_view .o_data_cell:contains("Tour Amazon.fr")',
            run: "click",
        },
        {
            content: "Its form shows the platform",
            trigger: '.o_form_view .o_field_widget[name="platform"]:contains("Amazon")',
        },
    ],
});
