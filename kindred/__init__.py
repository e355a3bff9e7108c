"""Infrastructure every app uses: it imports nothing from accounts, articles or comments."""
