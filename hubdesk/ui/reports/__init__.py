"""The Reports screen, its charts and the PDF impact summary (issue 11)."""
