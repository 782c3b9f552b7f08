"""The national portal (DVCQG): intake, step reports, catalogue sync, reconciliation."""
