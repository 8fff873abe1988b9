"""API endpoints: screening."""
