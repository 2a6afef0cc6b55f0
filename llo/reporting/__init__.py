"""Reporting: the warehouse rows of one month in; Dutch Quarto reports out (HTML, with the same report as DOCX and PDF),
rendered by the Quarto CLI or the built-in engine (`qmd`, `render`; the DOCX house style from `reference_doc`), every
figure through the disclosure ledger (`publish`); also the report site and the CSV/Excel exports. May import every
earlier stage and the foundations, never Dagster."""
