"""Administration: the console's use cases, agency keys, certificates, the audit trail."""
