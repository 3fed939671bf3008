"""The catalog as RDF: the vocabulary as code, the SKOS-compatible export and import, SPARQL, pushing to a store.

``export.serialize(catalog, fmt)`` writes the catalog (or some primes of it) as Turtle, N-Triples, JSON-LD or
RDF/XML; ``export.store(catalog)`` is an embedded pyoxigraph store of it for SPARQL; ``importer`` reads our
own export back losslessly and maps plain SKOS vocabularies to draft records; ``push`` replaces a named graph
of an external store through the SPARQL 1.1 Graph Store HTTP Protocol.
"""
