"""Personal data: the citizen's data tracker, rights requests, breaches, retention, faces."""
