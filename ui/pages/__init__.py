"""The main window's screens; each renders what a service returns and forwards what the user does."""
