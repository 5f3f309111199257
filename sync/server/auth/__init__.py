"""Sign-in, sessions and second factors."""
