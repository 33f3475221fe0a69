# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
{
    "name": "Margin Alerts",
    "summary": "Net-net margin per quotation line after marketplace costs, "
    "price floors and below-margin approvals",
    "version": "18.0.1.1.0",
    "category": "Sales",
    "license": "LGPL-3",
    "author": "Marketplace Cash Control",
    "website": "https://github.com/marketplace-cash-control/marketplace-cash",
    "maintainers": ["marketplace-cash-control"],
    "development_status": "Alpha",
    "depends": [
        "sale_margin",
        "sale_stock",
        "stock_account",
        "marketplace_connectors",
        "report_xlsx",
    ],
    "data": [
        "security/margin_alerts_security.xml",
        "security/ir.model.access.csv",
        "data/mail_activity_type_data.xml",
        "data/ir_cron_data.xml",
        "wizards/margin_approval_wizard_views.xml",
        "views/margin_alerts_menus.xml",
        "views/margin_cost_profile_views.xml",
        "views/sale_order_views.xml",
        "views/margin_realized_views.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "margin_alerts/static/tests/tours/*.js",
        ],
    },
}
