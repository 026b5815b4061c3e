"""IIIF Presentation 3 documents (item manifests, collections) and the one place that
builds IIIF URLs and ids (``manifests.urls.Urls``)."""
