"""pywhy-llm-assist."""
