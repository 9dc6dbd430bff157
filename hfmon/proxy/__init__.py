"""`hfmon proxy` and `hfmon run`: a local OpenAI-compatible metering proxy in front of the Hugging Face router."""
