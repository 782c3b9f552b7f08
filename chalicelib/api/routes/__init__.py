"""The HTTP routes, one module per audience or feature; each route declares its contract."""
