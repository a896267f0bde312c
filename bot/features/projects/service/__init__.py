"""The projects feature's logic, split by concern: projects (CRUD and devlogs), reviews (peer
review, reviewers, review requests), repos (GitHub readiness), posts (what goes through the
outbox) and portfolio (public pages and their views)."""
