"""The JSON API under /api/v1 (see ``blueprint``)."""
