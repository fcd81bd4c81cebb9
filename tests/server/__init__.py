"""Server tests: pyignite and sans-IO clients against our server."""
