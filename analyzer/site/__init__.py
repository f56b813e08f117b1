"""The documentation site: `data` collects everything it shows as plain data, `build` renders it
through `analyzer.render.pages` and builds it with mkdocs (`python -m analyzer.site build`)."""
