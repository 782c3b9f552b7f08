"""Reports, the dashboard and the QĐ 766 indicators."""
