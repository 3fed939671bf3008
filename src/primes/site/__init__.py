"""The documentation site: Markdown pages for the catalog, generated inside mkdocs by :class:`PrimesPlugin`.

``render`` turns catalog records into Markdown (Jinja2 templates in ``templates/``), ``diagram`` draws the
one-hop and whole-catalog SVGs, ``plugin`` feeds both to mkdocs, ``build`` runs a checked, atomic build
(``primes build``) and ``live`` rebuilds the pages an edit touches while ``primes serve`` runs.
"""
