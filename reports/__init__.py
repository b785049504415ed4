"""The figures the Summary tab, the dashboard and the board paper show, from the sheet's rows."""
