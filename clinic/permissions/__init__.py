"""The one place that decides who may see and do what.

- ``roles``: what each role may do. Every route declares an access rule with
  :func:`roles.access`; ``create_app`` enforces it before the view runs and a test
  fails for any route that declares none. Role predicates (``can_reassign`` ...) are
  plain functions of the user; no other module compares role names.
- ``scope``: which records a user may see. Records are loaded through the
  ``get_*_or_404`` helpers, which scope the query to the families the user may see:
  a record out of scope is indistinguishable from one that does not exist.

``roles`` knows only a user's role, so every layer may use it (it sits in the core);
``scope`` queries families, so it sits beside the cases package.
"""
