"""Renderers: pure functions from the analyzer's records to text, files and pages. They never compute."""
