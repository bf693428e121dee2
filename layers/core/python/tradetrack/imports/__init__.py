"""CSV trade imports: broker tradebooks and a documented generic format turned into fills.

`service.import_csv` is the entry point; one parser per format lives in its own module
(zerodha.py, upstox.py, generic.py) over the shared text checks, table reader and cell parsers.
The formats are documented in docs/imports.md.
"""
