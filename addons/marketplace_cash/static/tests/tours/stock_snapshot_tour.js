/* License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html). */
import {download} from "@web/core/network/download";
import {registry} from "@web/core/registry";
import {stepUtils} from "@web_tour/tour_service/tour_utils";

// Finance opens the month-end snapshot, reads its close checklist and prints its
// close pack. The test browser refuses to save files but the download itself runs
// (the server renders the workbook): the name of the file it received is put on the
// body for the last steps (a failed download shows an error dialog instead).
registry.category("web_tour.tours").add("stock_snapshot_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Marketplace Cash application",
            trigger: '.o_app[data-menu-xmlid="marketplace_connectors.menu_root"]',
            run: "click",
        },
        {
            content: "Open the Stock Valuation menu",
            trigger: '.o_menu_sections [data-menu-xmlid="marketplace_cash.menu_stock_valuation"]',
            run: "click",
        },
        {
            content: "Month-end snapshots",
            trigger:
                '.dropdown-item[data-menu-xmlid="marketplace_cash.menu_stock_valuation_snapshot"]',
            run: "click",
        },
        {
            content: "Open the September snapshot",
            trigger: '.o_list_view .o_data_cell:contains("Stock valuation 2026-09-30")',
            run: "click",
        },
        {
            content: "It is computed",
            trigger: '.o_form_view .o_statusbar_status button.o_arrow_button_current:contains("Computed")',
        },
        {
            content: "Open the close checklist",
            trigger: '.o_form_view .o_notebook a[name="checklist"]',
            run: "click",
        },
        {
            content: "The checklist shows the ledger check",
            trigger:
                '.o_form_view div[name="check_ids"] .o_data_row:contains("Stock valuation against the general ledger")',
        },
        {
            content: "Note the file the next download receives",
            trigger: ".o_form_view",
            run() {
                const original = download._download;
                download._download = async (options) => {
                    download._download = original;
                    const filename = await original(options);
                    document.body.dataset.closePackDownload = filename;
                    return filename;
                };
            },
        },
        {
            content: "Open the actions menu",
            trigger: ".o_form_view .o_control_panel .o_cp_action_menus .fa-cog",
            run: "click",
        },
        {
            content: "Print the close pack",
            trigger: '.o-dropdown--menu .o-dropdown-item:contains("Close Pack (XLSX)")',
            run: "click",
        },
        {
            content: "The close pack of the snapshot was downloaded",
            trigger: 'body[data-close-pack-download="close_pack_2026-09-30.xlsx"]',
        },
        {
            content: "Without error, still on the snapshot",
            trigger:
                'body:not(:has(.o_error_dialog)) .o_form_view .o_statusbar_status button.o_arrow_button_current:contains("Computed")',
        },
    ],
});
