"""Job-search logic, one module per concern: `tracker` (applications, stats, nudges),
`feed` (sources, polling, posting, browsing), `alerts` (personal follows), `resume` (wins and
resume reviews). Shared helpers live in `common`."""
