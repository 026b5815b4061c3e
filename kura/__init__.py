"""The ``kura`` command line: the top layer, over archive, manifests, ingest and viewer."""
