"""The pieces every layer shares: the taxonomy, languages, text, grounding, reading, settings and logging.
No I/O beyond reading settings; imports nothing else of the bot."""
