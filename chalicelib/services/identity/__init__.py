"""Who signs in: staff accounts and their security, VNeID sign-in and our session."""
