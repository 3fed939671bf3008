"""Authoring: the routine edits of a catalog as safe commands.

- :func:`~primes.authoring.new.new_prime`: a draft prime whose gaps ``primes check`` lists;
- :func:`~primes.authoring.fmt.format_paths`: every catalog file in one canonical form, comments kept;
- :func:`~primes.authoring.rename.rename_prime`: a new id and name, every edge to it rewritten, all or nothing;
- :func:`~primes.authoring.diff.diff_specs`: what changed between two catalogs or git revisions;
- :class:`~primes.authoring.transaction.FileTransaction`: several files changed together or not at all.
"""
