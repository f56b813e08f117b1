"""Design ideas and the source article's claims, as data measured from the zoo (their prose lives in
the templates)."""
