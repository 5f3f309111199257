"""Application services: the rules of the business, each check through ``app.policy``."""
