"""Reading inputs into articles and writing records out."""
