# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html).
{
    "name": "Marketplace Cash",
    "summary": "Payout reconciliation to the cent, cash forecast, per-warehouse stock "
    "valuation and month-end close for marketplace sellers",
    "version": "18.0.1.2.0",
    "category": "Accounting",
    "license": "LGPL-3",
    "author": "Marketplace Cash Control",
    "website": "https://github.com/marketplace-cash-control/marketplace-cash",
    "maintainers": ["marketplace-cash-control"],
    "development_status": "Alpha",
    "depends": [
        "marketplace_connectors",
        "stock_account",
        "sale_stock",
        "purchase_stock",
        "report_xlsx",
    ],
    "data": [
        "security/marketplace_cash_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron_data.xml",
        "views/marketplace_cash_menus.xml",
        "views/marketplace_payout_views.xml",
        "views/marketplace_channel_views.xml",
        "views/sale_order_views.xml",
        "views/stock_valuation_snapshot_views.xml",
        "views/stock_close_pack_report.xml",
        "views/cash_forecast_views.xml",
        "views/cash_dashboard_views.xml",
        "views/dunning_report.xml",
        "data/dunning_mail_template_data.xml",
        "data/dunning_data.xml",
        "views/dunning_views.xml",
        "views/receivable_kpi_views.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "marketplace_cash/static/src/dashboard/**/*",
        ],
        "web.assets_tests": [
            "marketplace_cash/static/tests/tours/*.js",
        ],
    },
}
