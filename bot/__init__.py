"""The application core of the therapist booking bot."""
