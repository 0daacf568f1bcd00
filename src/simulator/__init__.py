"""tts-sim: a stateful, time-controlled TikTok Shop / SFCC / ChannelAdvisor simulator."""
