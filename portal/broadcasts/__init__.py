"""Broadcasts: one message from the organisers to a camp's, a programme's or a group's people,
on every channel each person chose, with its delivery per person."""
