"""The meeting point of every desktop's changes: push (merge), pull (changes feed), conflict review."""
