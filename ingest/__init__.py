"""Ingest: turn an archivist's scans and metadata sheet into store objects."""
