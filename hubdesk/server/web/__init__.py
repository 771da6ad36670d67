"""The council's county web page (issue 12): templates, forms and routes."""
