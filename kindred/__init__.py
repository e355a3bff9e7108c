"""Infrastructure every app uses; imports nothing from accounts, articles or comments."""
