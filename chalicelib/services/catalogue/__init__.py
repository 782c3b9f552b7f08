"""The procedure catalogue: public search and the versioned procedure definitions."""
