"""Admin pages: staff accounts and teams."""
