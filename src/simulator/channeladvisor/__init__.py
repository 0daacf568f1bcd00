"""ChannelAdvisor (Rithum) mock: OAuth, the Orders OData API, Export, Ship, Adjust (the OMS's view of TikTok)."""
