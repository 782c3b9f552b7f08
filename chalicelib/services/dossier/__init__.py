"""A dossier's path: submission, acceptance, processing, decisions, results, fees, papers."""
