"""Paper application forms for villages without signal: printed with a code, typed in by an
organiser, claimed online later by the young person with the code and their phone number."""
