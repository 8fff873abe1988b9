"""API endpoints: caseload."""
