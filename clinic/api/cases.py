"""API endpoints: cases."""
