"""The product's work, over models, content, the model server and the store: coaching, summaries, nudges,
practice and scoring, learning, reports. No Slack and no command line here: bot/slack and bot/cli adapt these."""
