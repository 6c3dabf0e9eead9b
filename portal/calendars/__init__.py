"""Calendar feeds: a person's camps and training sessions, and a public camp's days."""
