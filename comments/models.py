"""Conversation under each article (the Comment model arrives with the comment thread)."""
