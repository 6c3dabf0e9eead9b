"""Imports: people, or a programme's past graduates with their certificates, from an organiser's
spreadsheet (XLSX or CSV): columns mapped, every row checked and previewed, the valid rows
imported once, the refused ones given back as a report."""
